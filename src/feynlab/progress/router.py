"""Routes of progress: mine, and anyone's for instructors."""

from __future__ import annotations

from fastapi import APIRouter

from feynlab.courses import service as courses
from feynlab.courses.registry import CourseRegistryDep
from feynlab.deps import CurrentUser, DbSession, RowId
from feynlab.progress import service
from feynlab.progress.schemas import UserProgressRead

private = APIRouter(prefix="/progress", tags=["progress"])


@private.get("")
def my_progress(registry: CourseRegistryDep, db: DbSession, user: CurrentUser) -> UserProgressRead:
    """The caller's progress in every course they can see."""
    visible = courses.visible_courses(registry=registry, user=user)
    return service.user_progress(db=db, viewer=user, user_id=user.id, courses=visible)


@private.get(
    "/{user_id}",
    responses={
        403: {"description": "A learner asking for someone else."},
        404: {"description": "No such user."},
    },
)
def user_progress(
    user_id: RowId, registry: CourseRegistryDep, db: DbSession, user: CurrentUser
) -> UserProgressRead:
    """A user's progress: instructors and admins may read anyone's, learners only their own."""
    visible = courses.visible_courses(registry=registry, user=user)
    return service.user_progress(db=db, viewer=user, user_id=user_id, courses=visible)
