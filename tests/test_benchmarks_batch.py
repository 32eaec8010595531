"""The weekly batch's benchmark harness keeps working (tiny sizes; no timing assertions)."""

from __future__ import annotations

import json

from benchmarks import batch as bench


def test_harness_reports_each_scenario_with_its_cpu(capsys):
    code = bench.main(
        ["--workers", "40", "--vacancies", "400", "--repeat", "1", "--no-bulletin", "--json"]
    )
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 0
    res = json.loads(out[-1])
    scenarios = {"cold", "increment", "baseline"}
    assert set(res["seconds"]) == scenarios
    assert set(res["all_cpu_user_s"]) == set(res["all_cpu_sys_s"]) == scenarios
    for k in scenarios:
        assert len(res["all_cpu_user_s"][k]) == len(res["all_seconds"][k]) == 1
        assert res["all_cpu_user_s"][k][0] > 0 and res["all_cpu_sys_s"][k][0] >= 0
    assert res["increment_equals_baseline"] is True
    assert res["merged"]["increment"] > 0 and res["merged"]["cold"] == 0
    assert any(line.startswith("  CPU s, user + system, cold") for line in out)
