"""The ``doorstroom-match`` command line: the exact batch contract, exit codes and messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from doorstroom_match.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "datasets" / "sample"


def _batch(
    out: Path, *extra: str, workers: str = "workers_broken.jsonl", feed: str = "feed_broken.jsonl"
) -> list[str]:
    return [
        "batch",
        "--workers",
        str(SAMPLE / workers),
        "--feed",
        str(SAMPLE / feed),
        "--out",
        str(out),
        "--date",
        "2026-11-02",
        "--no-bulletin",
        "--encoder",
        "none",
        *extra,
    ]


def test_batch_with_rejected_rows_exits_0_with_summary(tmp_path, capsys):
    rc = main(_batch(tmp_path, "--top", "3", "--places", str(SAMPLE / "places.jsonl")))
    cap = capsys.readouterr()
    assert rc == 0
    n_rejected = len((tmp_path / "rejected.jsonl").read_text("utf-8").splitlines())
    assert n_rejected > 0
    assert f"{n_rejected} rows rejected, see {tmp_path / 'rejected.jsonl'}" in cap.err
    assert "workers" in cap.out and "new" in cap.out and "time" in cap.out
    assert "\r" not in cap.err  # no progress bar when stderr is not a terminal
    rows = [json.loads(x) for x in (tmp_path / "matches.jsonl").read_text("utf-8").splitlines()]
    per_worker: dict[str, int] = {}
    for r in rows:
        per_worker[r["worker_id"]] = per_worker.get(r["worker_id"], 0) + 1
    assert set(per_worker.values()) == {3}
    # personal data: no level words, no limits on the terminal
    for word in ("onvoldoende", "matig", "zeer goed", "limits"):
        assert word not in cap.out + cap.err


def test_csv_input(tmp_path, capsys):
    feed = tmp_path / "feed.csv"
    feed.write_text(
        "id,title,kind,postcode,req_samenwerken,req_motivatie\n"
        "V1,Magazijnier,vacancy,9000,3,2\nV2,Kok,tbs,9000,2,\nV3,Kok,vacancy,9000,9,\n",
        "utf-8",
    )
    workers = tmp_path / "workers.csv"
    workers.write_text(
        "id,job_target,postcode,comp_samenwerken,comp_motivatie\nW1,magazijnier,9000,goed,2\n",
        "utf-8",
    )
    rc = main(
        [
            "batch",
            "--workers",
            str(workers),
            "--feed",
            str(feed),
            "--out",
            str(tmp_path / "out"),
            "--date",
            "2026-11-02",
            "--no-bulletin",
            "--encoder",
            "none",
        ]
    )
    assert rc == 0
    rows = [json.loads(x) for x in (tmp_path / "out" / "matches.jsonl").read_text().splitlines()]
    assert sorted((r["vacancy_id"], r["passes_cutoff"]) for r in rows) == [
        ("V1", True),
        ("V2", True),
    ]
    rej = json.loads((tmp_path / "out" / "rejected.jsonl").read_text())
    assert (rej["line"], rej["kind"], rej["raw"]) == (
        4,
        "level_out_of_range",
        "V3,Kok,vacancy,9000,9,",
    )
    assert "1 rows rejected" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args,message",
    [
        (["--workers", "nope.jsonl"], "workers file not found: 'nope.jsonl'"),
        (["--feed", "nope.jsonl"], "feed file not found: 'nope.jsonl'"),
        (["--date", "someday"], "run date must be YYYY-MM-DD"),
    ],
)
def test_batch_that_cannot_run_exits_1_without_traceback(tmp_path, capsys, args, message):
    base = {
        "--workers": str(SAMPLE / "workers.jsonl"),
        "--feed": str(SAMPLE / "feed.jsonl"),
        "--out": str(tmp_path),
        "--date": "2026-11-02",
    }
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    argv = ["batch", "--encoder", "none", "--no-bulletin"] + [x for kv in base.items() for x in kv]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert err.startswith("doorstroom-match batch: error: ")


def test_no_valid_worker_exits_1(tmp_path, capsys):
    workers = tmp_path / "w.jsonl"
    workers.write_text('{"id": "W1", "competences": {"samenwerken": 7}}\n', "utf-8")
    assert (
        main(
            [
                "batch",
                "--workers",
                str(workers),
                "--feed",
                str(SAMPLE / "feed.jsonl"),
                "--out",
                str(tmp_path / "o"),
                "--encoder",
                "none",
            ]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert "no valid worker" in err and "see " in err
    assert "== 7" not in err and "samenwerken" not in err  # the reason stays in rejected.jsonl


def test_bad_command_line_exits_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["batch", "--workers", "w.jsonl"])
    assert exc.value.code == 2
    assert "--feed" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["outcome", "record", "--store", str(tmp_path / "s"), "W1", "V1", "promoted"])
    assert exc.value.code == 2


def test_outcomes_and_forget_commands(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(_batch(out, workers="workers.jsonl", feed="feed.jsonl")) == 0
    store = str(out / "state.sqlite")
    rows = [json.loads(x) for x in (out / "matches.jsonl").read_text().splitlines()]
    wid, vid = rows[0]["worker_id"], rows[0]["vacancy_id"]
    assert (
        main(["outcome", "record", "--store", store, wid, vid, "applied", "--date", "2026-11-05"])
        == 0
    )
    assert (
        main(["outcome", "record", "--store", store, wid, vid, "hired", "--date", "2026-11-20"])
        == 0
    )
    capsys.readouterr()
    assert main(["outcome", "report", "--store", store, "--date", "2026-12-01", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    rates = {r["name"]: (r["numerator"], r["denominator"]) for r in rep["rates"]}
    n_workers = len({r["worker_id"] for r in rows})
    assert rates["applied / matched"] == (1, n_workers)
    assert rates["hired / matched"] == (1, n_workers)
    assert rates["employed_3m / hired_3m_ago"] == (0, 0)
    assert main(["outcome", "report", "--store", store, "--date", "2026-12-01",
                 "--out", str(out)]) == 0  # fmt: skip
    assert "applied / matched" in capsys.readouterr().out
    assert (out / "bulletin" / "outcomes.html").is_file()
    csv_text = (out / "bulletin" / "outcomes.csv").read_text("utf-8")
    assert csv_text.startswith("rate,numerator,denominator,percent,denominator_is,meaning\n")
    assert f"applied / matched,1,{n_workers}," in csv_text

    assert main(["forget", wid, "--store", store, "--out", str(out)]) == 0
    assert "store rows removed" in capsys.readouterr().out
    assert wid not in (out / "matches.jsonl").read_text()
    assert main(["outcome", "report", "--store", store, "--date", "2026-12-01", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert {r["name"]: r["numerator"] for r in rep["rates"]}["applied / matched"] == 0

    assert main(["forget", wid, "--store", str(tmp_path / "missing.sqlite")]) == 1
    assert "no store at" in capsys.readouterr().err


@pytest.fixture(scope="module")
def contract_runs(tmp_path_factory):
    """The exact command of the contract, run twice as a subprocess with the default encoder."""
    out = tmp_path_factory.mktemp("contract") / "out"
    cmd = [
        sys.executable, "-m", "doorstroom_match.cli", "batch",
        "--workers", str(SAMPLE / "workers.jsonl"), "--feed", str(SAMPLE / "feed_broken.jsonl"),
        "--out", str(out), "--top", "5", "--places", str(SAMPLE / "places.jsonl"),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = []
    for _ in range(2):
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)
        runs.append((proc, (out / "matches.jsonl").read_bytes() if proc.returncode == 0 else b""))
    return out, runs


def test_the_exact_contract_as_a_subprocess_twice(contract_runs):
    """The outside check: default encoder, exit 0, byte-identical matches.jsonl."""
    out, ((first, a), (second, b)) = contract_runs
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert "rows rejected, see" in first.stderr
    assert a == b and a
    assert (out / "bulletin" / "index.html").is_file()
    assert "Traceback" not in first.stderr + second.stderr


def test_bulletin_of_the_batch_in_headless_chromium(contract_runs, tmp_path):
    """End to end: the batch's bulletin, rendered by Chromium, names the workers and vacancies."""
    import html
    import shutil

    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.skip("chromium is not installed (Debian package 'chromium')")
    out, _ = contract_runs
    rows = [json.loads(x) for x in (out / "matches.jsonl").read_text("utf-8").splitlines()]
    workers = {
        json.loads(x)["id"]: json.loads(x)
        for x in (SAMPLE / "workers.jsonl").read_text("utf-8").splitlines()
    }
    first = rows[0]
    coach = workers[first["worker_id"]].get("coach")
    pages = sorted((out / "bulletin").glob("*.html"))
    page = next((p for p in pages if coach and coach in p.name), pages[0])
    cmd = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        f"--user-data-dir={tmp_path}",
        "--dump-dom",
    ]
    index = subprocess.run(
        [*cmd, (out / "bulletin" / "index.html").as_uri()],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert index.returncode == 0, index.stderr[-2000:]
    assert first["worker_id"] in index.stdout
    dom = subprocess.run([*cmd, page.as_uri()], capture_output=True, text=True, timeout=180)
    assert dom.returncode == 0, dom.stderr[-2000:]
    text = html.unescape(dom.stdout)
    assert first["worker_id"] in text
    assert first["title"] in text
