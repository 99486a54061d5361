"""Imports every feature's tables so that Base.metadata knows them all (Alembic, tests)."""

from feynlab.accounts import models as accounts_models  # noqa: F401
from feynlab.classes import models as classes_models  # noqa: F401
from feynlab.courses import models as courses_models  # noqa: F401
from feynlab.grading.queue import models as queue_models  # noqa: F401
from feynlab.lti import models as lti_models  # noqa: F401
from feynlab.progress import models as progress_models  # noqa: F401
from feynlab.sessions import models as sessions_models  # noqa: F401
from feynlab.submissions import models as submissions_models  # noqa: F401
