"""The README's first Python example runs and prints what the README says it prints."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_match_example_output_is_current():
    text = README.read_text(encoding="utf-8")
    block = re.findall(r"```python\n(.*?)```", text, flags=re.S)[0]
    expected = [
        line[2:] for line in block.splitlines() if line.startswith("# ") and line[2:3].isdigit()
    ]
    code = block.replace("print(plan.to_markdown())", "plan.to_markdown()")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    assert out.getvalue().splitlines() == expected
