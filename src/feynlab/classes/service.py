"""Classes and their members: who may do what in a class is decided here, from the caller's
role in that class (admins may do everything; a global instructor may create classes)."""

from __future__ import annotations

import secrets
from collections.abc import Collection

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feynlab.accounts.models import Role, User
from feynlab.classes.models import (
    STAFF_ROLES,
    Assignment,
    ClassCourse,
    ClassMember,
    ClassRole,
    SchoolClass,
)
from feynlab.classes.schemas import (
    AssignmentRead,
    ClassCreate,
    ClassDetail,
    ClassSummary,
    ClassUpdate,
    MemberRead,
)
from feynlab.courses import service as courses
from feynlab.courses.registry import CourseRegistry
from feynlab.errors import Conflict, Forbidden, Invalid, NotFound
from feynlab.submissions.schemas import LearnerRef

# No 0/O, 1/I/L: a code read aloud in a classroom or copied from a board is typed right.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10  # 31**10: about 2**49, far beyond guessing at any request rate


def new_join_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(code: str) -> str:
    return code.strip().upper().replace("-", "").replace(" ", "")


def is_admin(user: User) -> bool:
    return user.role == Role.admin.value


def role_in(*, db: Session, class_id: int, user: User) -> str | None:
    return db.scalar(
        select(ClassMember.role).where(
            ClassMember.class_id == class_id, ClassMember.user_id == user.id
        )
    )


def get_class(
    *, db: Session, class_id: int, user: User, roles: Collection[str] | None = None
) -> tuple[SchoolClass, str | None]:
    """The class and the caller's role in it, when the caller may see it (and act as ``roles``).

    Someone outside the class gets a 404, not a 403: a class's existence is not public."""
    found = db.get(SchoolClass, class_id)
    role = role_in(db=db, class_id=class_id, user=user) if found else None
    if found is None or (role is None and not is_admin(user)):
        raise NotFound(f"There is no class {class_id} that you belong to.")
    if roles is not None and not is_admin(user) and role not in roles:
        wanted = " or ".join(sorted(roles)).replace("ta", "teaching assistant")
        raise Forbidden(f"Only the class's {wanted}s may do this.")
    return found, role


def get_staffed_class(*, db: Session, class_id: int, user: User) -> tuple[SchoolClass, str | None]:
    return get_class(db=db, class_id=class_id, user=user, roles=STAFF_ROLES)


def course_slugs(*, db: Session, class_id: int) -> list[str]:
    return list(
        db.scalars(
            select(ClassCourse.course)
            .where(ClassCourse.class_id == class_id)
            .order_by(ClassCourse.course)
        )
    )


def learner_ids(*, db: Session, class_id: int) -> list[int]:
    return list(
        db.scalars(
            select(ClassMember.user_id).where(
                ClassMember.class_id == class_id, ClassMember.role == ClassRole.learner.value
            )
        )
    )


def _check_courses(*, registry: CourseRegistry, user: User, slugs: list[str]) -> list[str]:
    for slug in slugs:
        courses.get_course(registry=registry, user=user, slug=slug)
    return sorted(set(slugs))


def summary(*, db: Session, found: SchoolClass, role: str | None, user: User) -> ClassSummary:
    manages = role == ClassRole.instructor.value or is_admin(user)
    return ClassSummary(
        id=found.id,
        name=found.name,
        courses=course_slugs(db=db, class_id=found.id),
        starts_on=found.starts_on,
        ends_on=found.ends_on,
        my_role=role,  # type: ignore[arg-type]
        join_code=found.join_code if manages else None,
    )


def create(*, db: Session, registry: CourseRegistry, user: User, data: ClassCreate) -> ClassSummary:
    if user.role not in (Role.instructor.value, Role.admin.value):
        raise Forbidden("Only instructors may create classes.")
    slugs = _check_courses(registry=registry, user=user, slugs=data.courses)
    found = SchoolClass(
        name=data.name,
        join_code=new_join_code(),
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        created_by=user.id,
    )
    db.add(found)
    db.flush()
    db.add_all(ClassCourse(class_id=found.id, course=slug) for slug in slugs)
    db.add(ClassMember(class_id=found.id, user_id=user.id, role=ClassRole.instructor.value))
    db.commit()
    return summary(db=db, found=found, role=ClassRole.instructor.value, user=user)


def update(
    *, db: Session, registry: CourseRegistry, user: User, class_id: int, data: ClassUpdate
) -> ClassSummary:
    found, role = get_class(db=db, class_id=class_id, user=user, roles={"instructor"})
    if data.name is not None:
        found.name = data.name
    fields = data.model_fields_set
    if "starts_on" in fields:
        found.starts_on = data.starts_on
    if "ends_on" in fields:
        found.ends_on = data.ends_on
    if found.starts_on and found.ends_on and found.ends_on < found.starts_on:
        raise Invalid("The class would end before it starts: check the dates.")
    if data.courses is not None:
        slugs = _check_courses(registry=registry, user=user, slugs=data.courses)
        db.execute(delete(ClassCourse).where(ClassCourse.class_id == class_id))
        db.add_all(ClassCourse(class_id=class_id, course=slug) for slug in slugs)
    db.commit()
    return summary(db=db, found=found, role=role, user=user)


def mine(*, db: Session, user: User) -> list[ClassSummary]:
    """The caller's classes (every class for an admin)."""
    stmt = (
        select(SchoolClass, ClassMember.role)
        .outerjoin(
            ClassMember,
            (ClassMember.class_id == SchoolClass.id) & (ClassMember.user_id == user.id),
        )
        .order_by(SchoolClass.name, SchoolClass.id)
    )
    if not is_admin(user):
        stmt = stmt.where(ClassMember.user_id == user.id)
    return [summary(db=db, found=c, role=role, user=user) for c, role in db.execute(stmt)]


def members(*, db: Session, class_id: int, staff_only: bool = False) -> list[MemberRead]:
    stmt = (
        select(ClassMember, User)
        .join(User, User.id == ClassMember.user_id)
        .where(ClassMember.class_id == class_id)
        .order_by(ClassMember.role, User.name, User.id)
    )
    if staff_only:
        stmt = stmt.where(ClassMember.role.in_(STAFF_ROLES))
    return [
        MemberRead(learner=LearnerRef.model_validate(u), role=m.role, joined_at=m.joined_at)  # type: ignore[arg-type]
        for m, u in db.execute(stmt)
    ]


def detail(*, db: Session, class_id: int, user: User) -> ClassDetail:
    found, role = get_class(db=db, class_id=class_id, user=user)
    staff = role in STAFF_ROLES or is_admin(user)
    assignments = db.scalars(
        select(Assignment).where(Assignment.class_id == class_id).order_by(Assignment.due_at)
    )
    return ClassDetail(
        **summary(db=db, found=found, role=role, user=user).model_dump(),
        members=members(db=db, class_id=class_id, staff_only=not staff),
        assignments=[AssignmentRead.model_validate(a) for a in assignments],
    )


def join(*, db: Session, user: User, code: str) -> ClassSummary:
    found = db.scalar(select(SchoolClass).where(SchoolClass.join_code == normalize_code(code)))
    if found is None:
        raise NotFound(
            "No class has this join code. Check it with your instructor: codes are letters and "
            "digits, without 0, O, 1, I or L."
        )
    role = role_in(db=db, class_id=found.id, user=user)
    if role is None:
        db.add(ClassMember(class_id=found.id, user_id=user.id, role=ClassRole.learner.value))
        try:
            db.commit()
        except IntegrityError:  # joined twice at once: the first one stands
            db.rollback()
        role = ClassRole.learner.value
    return summary(db=db, found=found, role=role, user=user)


def add_member(
    *, db: Session, user: User, class_id: int, email: str, role: ClassRole
) -> MemberRead:
    get_class(db=db, class_id=class_id, user=user, roles={"instructor"})
    person = db.scalar(select(User).where(User.email == email.lower()))
    if person is None:
        person = db.scalar(select(User).where(User.email == email))
    if person is None:
        raise NotFound(
            f"There is no account with the email {email}. Ask them to sign up first, or send "
            "them the class's join code."
        )
    member = db.scalar(
        select(ClassMember).where(
            ClassMember.class_id == class_id, ClassMember.user_id == person.id
        )
    )
    if member is None:
        member = ClassMember(class_id=class_id, user_id=person.id, role=role.value)
        db.add(member)
    else:
        _keep_an_instructor(db=db, class_id=class_id, member=member, new_role=role.value)
        member.role = role.value
    db.commit()
    return MemberRead(
        learner=LearnerRef.model_validate(person), role=role.value, joined_at=member.joined_at
    )  # type: ignore[arg-type]


def _keep_an_instructor(
    *, db: Session, class_id: int, member: ClassMember, new_role: str | None
) -> None:
    if member.role != ClassRole.instructor.value or new_role == ClassRole.instructor.value:
        return
    instructors = db.scalars(
        select(ClassMember.id).where(
            ClassMember.class_id == class_id, ClassMember.role == ClassRole.instructor.value
        )
    ).all()
    if len(instructors) <= 1:
        raise Conflict("A class needs at least one instructor: add another one first.")


def remove_member(*, db: Session, user: User, class_id: int, user_id: int) -> None:
    _, role = get_class(db=db, class_id=class_id, user=user)
    if user_id != user.id and role != ClassRole.instructor.value and not is_admin(user):
        raise Forbidden("Only the class's instructors may remove someone else.")
    member = db.scalar(
        select(ClassMember).where(ClassMember.class_id == class_id, ClassMember.user_id == user_id)
    )
    if member is None:
        raise NotFound(f"Nobody with id {user_id} is in this class.")
    _keep_an_instructor(db=db, class_id=class_id, member=member, new_role=None)
    db.delete(member)
    db.commit()


def new_code(*, db: Session, user: User, class_id: int) -> ClassSummary:
    """A fresh join code: the old one stops working (it leaked, or the class is full)."""
    found, role = get_class(db=db, class_id=class_id, user=user, roles={"instructor"})
    found.join_code = new_join_code()
    db.commit()
    return summary(db=db, found=found, role=role, user=user)
