"""The app with the real runner (the submissions tests' shared one) and a lesson of four cells:
load, train (requires the load), plot (requires the training), and one on its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.submissions.conftest import app, runner  # noqa: F401 -- the real sandbox's fixtures

LESSON = """---
title: A notebook
summary: Cells that build on each other.
---
# A notebook

Load the data.

```python
data = [3, 1, 2]
print("loaded", len(data))
```

Train a model on it.

```python requires=previous
model = sorted(data)
model
```

Plot what it learned.

```python requires=previous
import matplotlib.pyplot as plt
plt.plot(model)
plt.show()
print("best", model[-1])
```

```quiz
id: sorted-first
question: What is `model[0]`?
type: single
choices:
  - text: "1"
    correct: true
  - text: "3"
```

A cell on its own.

```python
x = 1
```
"""
URL = "/api/courses/example/lessons/notebook"


@pytest.fixture
def courses_dir(tmp_path: Path) -> Path:
    import shutil

    from tests.conftest import EXAMPLE_COURSES

    target = tmp_path / "courses"
    shutil.copytree(EXAMPLE_COURSES, target)
    course = target / "example"
    (course / "lessons" / "notebook.md").write_text(LESSON)
    manifest = (course / "course.yaml").read_text()
    (course / "course.yaml").write_text(
        manifest.replace("  - functions\n", "  - functions\n  - notebook\n")
    )
    return target
