"""Routes of classes: create and join, members, assignments and extensions, deadlines, class
gradebooks and their exports. Login is required where the router is included."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Response, status

from feynlab.accounts.schemas import Message
from feynlab.classes import assignments, exports, service
from feynlab.classes.models import ClassRole
from feynlab.classes.schemas import (
    AssignmentCreate,
    AssignmentRead,
    ClassCreate,
    ClassDetail,
    ClassGradebook,
    ClassLearnerPage,
    ClassSummary,
    ClassUpdate,
    Deadline,
    ExtensionRead,
    ExtensionSet,
    JoinRequest,
    MemberAdd,
    MemberRead,
)
from feynlab.courses.registry import CourseRegistryDep
from feynlab.deps import CurrentUser, DbSession, RowId

router = APIRouter(tags=["classes"])

Responses = dict[int | str, dict[str, Any]]
ERRORS: Responses = {401: {"model": Message}, 403: {"model": Message}, 404: {"model": Message}}
CSV_DOC: Responses = {**ERRORS, 200: {"content": {"text/csv": {}}}}


@router.get("/classes", responses=ERRORS)
def my_classes(user: CurrentUser, db: DbSession) -> list[ClassSummary]:
    """The classes the caller belongs to, with their role in each."""
    return service.mine(db=db, user=user)


@router.post("/classes", status_code=status.HTTP_201_CREATED, responses=ERRORS)
def create_class(
    body: ClassCreate, user: CurrentUser, db: DbSession, registry: CourseRegistryDep
) -> ClassSummary:
    """A new class (instructors); its creator is its first instructor."""
    return service.create(db=db, registry=registry, user=user, data=body)


@router.post("/classes/join", responses=ERRORS)
def join_class(body: JoinRequest, user: CurrentUser, db: DbSession) -> ClassSummary:
    """Join a class as a learner with the code its instructor gave out."""
    return service.join(db=db, user=user, code=body.code)


@router.get("/deadlines", responses=ERRORS)
def my_deadlines(
    user: CurrentUser,
    db: DbSession,
    course: str = Query(max_length=100),
    exercise: str = Query(max_length=100),
) -> list[Deadline]:
    """The caller's deadlines for one exercise, in every class they learn in."""
    return assignments.deadlines(db=db, user=user, course=course, exercise=exercise)


@router.get("/classes/{class_id}", responses=ERRORS)
def read_class(class_id: RowId, user: CurrentUser, db: DbSession) -> ClassDetail:
    """A class: its courses, assignments and members (learners see only the staff)."""
    return service.detail(db=db, class_id=class_id, user=user)


@router.patch("/classes/{class_id}", responses=ERRORS)
def update_class(
    class_id: RowId,
    body: ClassUpdate,
    user: CurrentUser,
    db: DbSession,
    registry: CourseRegistryDep,
) -> ClassSummary:
    return service.update(db=db, registry=registry, user=user, class_id=class_id, data=body)


@router.post("/classes/{class_id}/join-code", responses=ERRORS)
def new_join_code(class_id: RowId, user: CurrentUser, db: DbSession) -> ClassSummary:
    """A fresh join code; the old one stops working."""
    return service.new_code(db=db, user=user, class_id=class_id)


@router.post("/classes/{class_id}/members", responses=ERRORS)
def add_member(class_id: RowId, body: MemberAdd, user: CurrentUser, db: DbSession) -> MemberRead:
    """Add someone with an account as instructor, TA or learner (or change their role)."""
    return service.add_member(
        db=db, user=user, class_id=class_id, email=str(body.email), role=ClassRole(body.role)
    )


@router.delete(
    "/classes/{class_id}/members/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=ERRORS,
)
def remove_member(class_id: RowId, user_id: RowId, user: CurrentUser, db: DbSession) -> Response:
    """Remove a member (instructors), or leave the class (anyone, for themselves)."""
    service.remove_member(db=db, user=user, class_id=class_id, user_id=user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/classes/{class_id}/assignments", status_code=status.HTTP_201_CREATED, responses=ERRORS
)
def create_assignment(
    class_id: RowId,
    body: AssignmentCreate,
    user: CurrentUser,
    db: DbSession,
    registry: CourseRegistryDep,
) -> AssignmentRead:
    return assignments.create(db=db, registry=registry, user=user, class_id=class_id, data=body)


@router.put("/classes/{class_id}/assignments/{assignment_id}", responses=ERRORS)
def update_assignment(
    class_id: RowId,
    assignment_id: RowId,
    body: AssignmentCreate,
    user: CurrentUser,
    db: DbSession,
    registry: CourseRegistryDep,
) -> AssignmentRead:
    return assignments.update(
        db=db,
        registry=registry,
        user=user,
        class_id=class_id,
        assignment_id=assignment_id,
        data=body,
    )


@router.delete(
    "/classes/{class_id}/assignments/{assignment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=ERRORS,
)
def delete_assignment(
    class_id: RowId, assignment_id: RowId, user: CurrentUser, db: DbSession
) -> Response:
    assignments.remove(db=db, user=user, class_id=class_id, assignment_id=assignment_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put(
    "/classes/{class_id}/assignments/{assignment_id}/extensions/{user_id}", responses=ERRORS
)
def set_extension(
    class_id: RowId,
    assignment_id: RowId,
    user_id: RowId,
    body: ExtensionSet,
    user: CurrentUser,
    db: DbSession,
) -> ExtensionRead:
    """Give one learner a later due time on this assignment."""
    return assignments.set_extension(
        db=db,
        user=user,
        class_id=class_id,
        assignment_id=assignment_id,
        user_id=user_id,
        data=body,
    )


@router.delete(
    "/classes/{class_id}/assignments/{assignment_id}/extensions/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=ERRORS,
)
def remove_extension(
    class_id: RowId, assignment_id: RowId, user_id: RowId, user: CurrentUser, db: DbSession
) -> Response:
    assignments.remove_extension(
        db=db, user=user, class_id=class_id, assignment_id=assignment_id, user_id=user_id
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/classes/{class_id}/gradebook", responses=ERRORS)
def class_gradebook(class_id: RowId, user: CurrentUser, db: DbSession) -> ClassGradebook:
    """The class's learners' grades per assignment (the class's instructors and TAs)."""
    return exports.class_gradebook(db=db, user=user, class_id=class_id)


def _csv(text: str, filename: str) -> Response:
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/classes/{class_id}/gradebook.csv", response_class=Response, responses=CSV_DOC)
def class_gradebook_csv(class_id: RowId, user: CurrentUser, db: DbSession) -> Response:
    """The class gradebook as CSV: points out of 100 per assignment, late days per exercise."""
    book = exports.class_gradebook(db=db, user=user, class_id=class_id)
    return _csv(exports.to_csv(book), f"feynlab-class-{class_id}-gradebook.csv")


@router.get("/classes/{class_id}/gradebook-lms.csv", response_class=Response, responses=CSV_DOC)
def class_gradebook_lms(class_id: RowId, user: CurrentUser, db: DbSession) -> Response:
    """The class gradebook in Canvas's import layout (Moodle's CSV grade import reads it too)."""
    book = exports.class_gradebook(db=db, user=user, class_id=class_id)
    section = exports.section_name(db=db, class_id=class_id)
    return _csv(exports.to_lms_csv(book, section=section), f"feynlab-class-{class_id}-lms.csv")


@router.get("/classes/{class_id}/learners/{learner_id}", responses=ERRORS)
def class_learner(
    class_id: RowId, learner_id: RowId, user: CurrentUser, db: DbSession
) -> ClassLearnerPage:
    """One member: grades and submissions to the class's courses (staff of the class)."""
    return exports.learner_page(db=db, user=user, class_id=class_id, learner_id=learner_id)
