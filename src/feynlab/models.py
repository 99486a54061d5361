"""Imports every feature's tables so that Base.metadata knows them all (Alembic, tests)."""

from feynlab.accounts import models as accounts_models  # noqa: F401
