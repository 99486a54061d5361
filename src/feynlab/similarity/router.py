"""Routes of similarity reports: for a class's staff, on one exercise of the class's courses."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from feynlab.accounts.models import User
from feynlab.classes import service as classes
from feynlab.classes.router import CSV_DOC, ERRORS
from feynlab.courses import service as courses
from feynlab.courses.registry import CourseRegistry, CourseRegistryDep
from feynlab.deps import CurrentUser, DbSession, RowId
from feynlab.errors import Invalid
from feynlab.similarity import service
from feynlab.similarity.schemas import SimilarityReport

router = APIRouter(tags=["classes"])


def _report(
    *,
    class_id: int,
    course: str,
    exercise: str,
    user: User,
    db: Session,
    registry: CourseRegistry,
) -> SimilarityReport:
    classes.get_staffed_class(db=db, class_id=class_id, user=user)
    if course not in classes.course_slugs(db=db, class_id=class_id):
        raise Invalid(f"The course {course!r} is not one of this class's courses.")
    found = courses.get_exercise(registry=registry, user=user, course=course, exercise=exercise)
    return service.report(
        db=db,
        user_ids=classes.learner_ids(db=db, class_id=class_id),
        course=course,
        exercise=exercise,
        starter=found.starter,
    )


@router.get("/classes/{class_id}/similarity", responses=ERRORS)
def similarity(
    class_id: RowId,
    user: CurrentUser,
    db: DbSession,
    registry: CourseRegistryDep,
    course: str = Query(max_length=100),
    exercise: str = Query(max_length=100),
) -> SimilarityReport:
    """Pairs of the class's learners whose code, or whose models' mistakes, are alike."""
    return _report(
        class_id=class_id, course=course, exercise=exercise, user=user, db=db, registry=registry
    )


@router.get("/classes/{class_id}/similarity.csv", response_class=Response, responses=CSV_DOC)
def similarity_csv(
    class_id: RowId,
    user: CurrentUser,
    db: DbSession,
    registry: CourseRegistryDep,
    course: str = Query(max_length=100),
    exercise: str = Query(max_length=100),
) -> Response:
    found = _report(
        class_id=class_id, course=course, exercise=exercise, user=user, db=db, registry=registry
    )
    return Response(
        service.to_csv(found),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="feynlab-similarity.csv"'},
    )
