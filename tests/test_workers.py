"""Workers over a real Redis, with real worker processes and real models (issue 10).

One redis-server (AOF) and two `verbali worker` processes are shared by the tests of this
module; sessions are a few seconds of real speech each (the Italian clips, and cuts of
the sample plenary), so the module runs in a few minutes on 2 cores.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import time
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline import ingest
from pipeline.config import TranscribeOptions
from pipeline.workers.submit import submit
from tests.workers_cluster import MODELS, ROOT, RedisServer, WorkerProcess, cut_clip, verbali, wait_until

pytestmark = pytest.mark.models

CLIPS = ROOT / "tests" / "data" / "italian-clips"
SAMPLE_MIX = next((ROOT / "recordings").glob("2021-11-22 17.30.00 *")) / "audio_only.m4a"
FAST = ("--diarization", "none")  # for the tests about delivery, not about the stages


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, redis_server):
    base = tmp_path_factory.mktemp("workers")
    root = base / "shared"
    (root / "recordings").mkdir(parents=True)
    workers = {
        name: WorkerProcess(f"{name}@test", redis_server.url, root, base / f"{name}.log").start()
        for name in ("cpu-a", "cpu-b")
    }
    try:
        for worker in workers.values():
            worker.wait_ready()
        yield Cluster(root, redis_server, workers)
    finally:
        for worker in workers.values():
            worker.stop()


def test_the_session_lock_admits_one_worker_and_outlives_a_dead_one_by_its_ttl(redis_server):
    from pipeline.workers.book import connect
    from pipeline.workers.locks import SessionBusy, SessionLock

    client = connect(redis_server.url)
    with SessionLock(client, "s1", "worker-a", ttl=1.0):
        time.sleep(2.5)  # renewed every third of its life: still held after twice its ttl
        with pytest.raises(SessionBusy, match="locked by worker-a"), SessionLock(client, "s1", "b", 1.0):
            pass
    with SessionLock(client, "s1", "worker-b", ttl=1.0):  # released at the end
        pass
    client.lock("verbali:lock:s2", timeout=1.0).acquire(token="dead-worker|x")  # never renewed, never released
    with pytest.raises(SessionBusy, match="dead-worker"), SessionLock(client, "s2", "worker-b", 1.0):
        pass
    time.sleep(1.2)
    with SessionLock(client, "s2", "worker-b", ttl=1.0):
        pass


def test_a_job_spec_survives_the_message_and_pins_its_models(tmp_path):
    from pipeline.config import Settings
    from pipeline.errors import ModelUnavailable, UsageError
    from pipeline.workers.jobs import JobSpec, SharedPaths, build_spec, check_models, settings_for

    clip = tmp_path / "recordings" / "2024-01-02 10.00 prova.wav"
    clip.parent.mkdir()
    shutil.copy(CLIPS / "leopard_test_it.wav", clip)
    [session] = ingest.discover(clip)
    settings = Settings(models_dir=MODELS, outputs_dir=tmp_path / "out", transcribe=TranscribeOptions(beam_size=2))
    spec = build_spec(session, settings, SharedPaths(tmp_path))
    again = JobSpec.from_dict(json.loads(json.dumps(spec.to_dict())))
    assert again == spec and again.identity == spec.identity
    assert spec.recording == "recordings/2024-01-02 10.00 prova.wav" and spec.outputs == "out"
    assert len(spec.models["whisper-base"]) == 4, "every file's sha256"
    elsewhere = settings_for(again, SharedPaths(tmp_path / "mnt"), MODELS)
    assert elsewhere.transcribe == settings.transcribe and elsewhere.outputs_dir == tmp_path / "mnt" / "out"
    check_models(spec, MODELS)
    with pytest.raises(ModelUnavailable, match="differs from the submitter"):
        check_models(replace(spec, models={"whisper-base": ["0" * 64] * 4}), MODELS)
    with pytest.raises(UsageError, match="outside the shared root"):
        build_spec(session, settings, SharedPaths(tmp_path / "elsewhere"))


class Cluster:
    def __init__(self, root: Path, redis: RedisServer, workers: dict[str, WorkerProcess]) -> None:
        self.root = root
        self.redis = redis
        self.workers = workers

    def book(self):
        from pipeline.workers.book import JobBook, connect

        return JobBook(connect(self.redis.url))

    def logs(self) -> str:
        return "\n".join(w.text() for w in self.workers.values())

    def folder(self, name: str) -> Path:
        folder = self.root / "recordings" / name
        folder.mkdir(parents=True)
        return folder

    def ensure_running(self) -> None:
        for name, worker in self.workers.items():
            if worker.process.poll() is not None:
                self.workers[name] = WorkerProcess(worker.name, worker.broker, worker.root, worker.log).start()
                self.workers[name].wait_ready()


def job_ids(output: str) -> list[str]:
    return re.findall(r"-> job ([0-9a-f-]{36})", output)


def finished(cluster: Cluster, ids: list[str], timeout: float = 150):
    book = cluster.book()
    return wait_until(
        lambda: (r := book.jobs(ids)) and len(r) == len(ids) and all(x.is_finished for x in r) and r,
        timeout, f"jobs {ids} to finish",
    )  # fmt: skip


def comparable_files(folder: Path) -> dict[str, bytes]:
    skip = {".verbali-session.db", "verbale.docx", "sintesi.docx"}  # docx: zip entries carry the time written
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name not in skip and p.suffix not in {".db", ".log", ".lock"} and p.name[0] != "."
    }


def test_two_workers_process_five_sessions_exactly_as_a_local_run(cluster):
    recordings = cluster.folder("five")
    for i, clip in enumerate(sorted(CLIPS.glob("*.wav")), start=1):
        shutil.copy(clip, recordings / f"2024-03-0{i} 10.00 sessione {i}.wav")
    cut_clip(SAMPLE_MIX, recordings / "2024-03-04 10.00 sessione 4.wav", 25, 6)
    cut_clip(SAMPLE_MIX, recordings / "2024-03-05 10.00 sessione 5.wav", 62, 6)

    queued = verbali("run", "recordings/five", "--out", "out-workers", "--settle", "0", "--wait",
                     cwd=cluster.root, broker=cluster.redis.url)  # fmt: skip
    assert queued.returncode == 0, queued.stderr
    ids = job_ids(queued.stderr)
    assert len(ids) == 5
    assert "5 sessions: 5 ok (0 unchanged), 0 failed, 0 waiting" in queued.stderr
    records = cluster.book().jobs(ids)
    assert {r.state for r in records} == {"done"}
    assert {r.worker for r in records} == {"cpu-a@test", "cpu-b@test"}, "both workers took jobs"
    for record in records:  # at least once delivered, done once: each stage ran once per session
        assert cluster.logs().count(f"{record.session_id} transcription: done") == 1

    local = verbali("run", "recordings/five", "--out", "out-local", "--settle", "0", cwd=cluster.root)
    assert local.returncode == 0, local.stderr
    on_workers, here = comparable_files(cluster.root / "out-workers"), comparable_files(cluster.root / "out-local")
    assert sorted(on_workers) == sorted(here)
    assert len([n for n in here if n.endswith("verbale.json")]) == 5
    assert [n for n in here if on_workers[n] != here[n]] == []

    status = verbali("status", "--out", "out-workers", cwd=cluster.root, broker=cluster.redis.url)
    assert status.returncode == 0, status.stderr
    assert status.stdout.count("cpu-a@test") + status.stdout.count("cpu-b@test") >= 5
    assert len(re.findall(r"2024-03-0\d-1000-sessione-\d\s+│\s+done", status.stdout)) >= 5


def test_a_session_submitted_twice_is_processed_once(cluster):
    recordings = cluster.folder("twice")
    shutil.copy(CLIPS / "cheetah_test_it.wav", recordings / "2024-04-01 09.00 doppia.wav")
    app, book, options, settings = submitter(cluster, "out-twice")
    [session] = ingest.discover(recordings)
    first = submit(app, book, [session], settings, options, "cpu")
    second = submit(app, book, [session], settings, options, "cpu")
    assert [j.job_id for j in second] == [j.job_id for j in first] and not second[0].new
    finished(cluster, [first[0].job_id])

    again = verbali("run", "recordings/twice", "--out", "out-twice", "--settle", "0", *FAST, "--wait",
                    cwd=cluster.root, broker=cluster.redis.url)  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "1 sessions: 1 ok (1 unchanged)" in again.stderr, "submitted after it finished: nothing to redo"
    assert cluster.logs().count("2024-04-01-0900-doppia transcription: done") == 1


def submitter(cluster: Cluster, outputs: str, **options):
    from pipeline.config import DiarizeOptions, QueueOptions, Settings
    from pipeline.workers.app import make_app

    queue = QueueOptions(broker=cluster.redis.url, shared_root=cluster.root)
    settings = Settings(models_dir=MODELS, outputs_dir=cluster.root / outputs, diarize=DiarizeOptions(method="none"),
                        **options)  # fmt: skip
    return make_app(queue), cluster.book(), queue, settings


def test_an_upload_in_the_review_app_is_processed_by_the_workers(cluster):
    from pipeline.review.jobs import Processor

    recordings = cluster.folder("upload")
    shutil.copy(CLIPS / "cheetah_test_it_norm.wav", recordings / "2024-08-01 10.00 caricata.wav")
    _, _, queue, settings = submitter(cluster, "out-upload")
    processor = Processor(settings, queue_options=queue)
    assert processor.engines is None  # no model loaded in the web app: the workers have them
    try:
        job = processor.submit(recordings)
        wait_until(lambda: job.state in ("fatto", "errore"), 150, "the upload to be processed")
    finally:
        processor.stop()
    assert job.state == "fatto", job.error
    assert job.session_id == "2024-08-01-1000-caricata"
    assert (settings.outputs_dir / job.session_id / "verbale.md").is_file()
    [record] = [r for r in cluster.book().jobs() if r.session_id == job.session_id]
    assert record.state == "done" and record.worker and record.worker.endswith("@test")


def worker_transcribing(cluster, session: str):
    """The worker whose log says it started transcribing ``session`` (waits up to a minute)."""
    started = f"{session} transcription: started"
    return wait_until(lambda: next((w for w in cluster.workers.values() if started in w.text()), None), 60,
                      "the transcription to start")  # fmt: skip


def test_a_worker_killed_mid_transcription_leaves_its_session_to_the_other(cluster):
    recordings = cluster.folder("killed")
    cut_clip(SAMPLE_MIX, recordings / "2024-05-01 11.00 lunga.wav", 20, 60)
    session = "2024-05-01-1100-lunga"
    queued = verbali("run", "recordings/killed", "--out", "out-killed", "--settle", "0", *FAST,
                     cwd=cluster.root, broker=cluster.redis.url)  # fmt: skip
    assert queued.returncode == 0, queued.stderr
    [job] = job_ids(queued.stderr)

    victim = worker_transcribing(cluster, session)
    time.sleep(1.0)
    assert f"{session} transcription: done" not in victim.text(), "too late to kill it mid-transcription"
    victim.kill()

    [record] = finished(cluster, [job])
    other = next(w for w in cluster.workers.values() if w is not victim)
    assert record.state == "done" and record.worker == other.name
    assert [a.split(" at ")[0] for a in record.attempts] == [victim.name, other.name]
    assert f"the attempt on {victim.name} stopped before the end" in other.text()
    assert f"{session} audio: reused" in other.text(), "resumed from the stage fingerprints"
    assert cluster.logs().count(f"{session} transcription: done") == 1
    assert cluster.logs().count(f"{session} minutes: done") == 1, "completed once"
    folder = cluster.root / "out-killed" / session
    assert not list(folder.glob("*.partial")), "no half-written file"
    for artifact in folder.glob("*.json"):
        json.loads(artifact.read_text())
    cluster.ensure_running()


def test_a_pool_process_killed_mid_transcription_gives_its_job_back_at_once(cluster):
    recordings = cluster.folder("pool")
    cut_clip(SAMPLE_MIX, recordings / "2024-05-02 11.00 processo.wav", 40, 40)
    session = "2024-05-02-1100-processo"
    queued = verbali("run", "recordings/pool", "--out", "out-pool", "--settle", "0", *FAST,
                     cwd=cluster.root, broker=cluster.redis.url)  # fmt: skip
    [job] = job_ids(queued.stderr)
    victim = worker_transcribing(cluster, session)
    time.sleep(1.0)
    [child] = [int(pid) for pid in Path(f"/proc/{victim.process.pid}/task/{victim.process.pid}/children")
               .read_text().split()]  # fmt: skip
    os.kill(child, signal.SIGKILL)  # the OOM killer's way: the worker's main process lives on

    [record] = finished(cluster, [job])
    assert record.state == "done" and len(record.attempts) >= 2
    assert "WorkerLostError" in victim.text() and "Timed out waiting for UP" not in cluster.logs()
    assert f"{session} audio: reused" in cluster.logs(), "resumed from the stage fingerprints"
    assert cluster.logs().count(f"{session} transcription: done") == 1
    assert victim.process.poll() is None, "the worker itself goes on"


def test_redis_restarted_during_a_batch_loses_no_job(cluster):
    recordings = cluster.folder("restart")
    for i, start in enumerate((30, 45, 70, 90), start=1):
        cut_clip(SAMPLE_MIX, recordings / f"2024-06-0{i} 15.00 riavvio {i}.wav", start, 5)
    queued = verbali("run", "recordings/restart", "--out", "out-restart", "--settle", "0", *FAST,
                     cwd=cluster.root, broker=cluster.redis.url)  # fmt: skip
    ids = job_ids(queued.stderr)
    assert len(ids) == 4, queued.stderr
    wait_until(lambda: "riavvio-1 audio: started" in cluster.logs(), 60, "the first job to start")
    cluster.redis.restart(down_for=2.0)

    records = finished(cluster, ids, timeout=180)
    assert {r.state for r in records} == {"done"}
    for worker in cluster.workers.values():
        log = worker.text()
        assert "Connection to broker lost" in log and log.count("Connected to redis://") >= 2, worker.name
    for i in range(1, 5):
        assert (cluster.root / "out-restart" / f"2024-06-0{i}-1500-riavvio-{i}" / "verbale.json").is_file()


def test_bad_input_fails_once_with_the_local_error_and_other_jobs_go_on(cluster):
    recordings = cluster.folder("bad")
    (recordings / "2024-07-01 10.00 rotta.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt garbage" * 64)
    shutil.copy(CLIPS / "cheetah_test_it_norm.wav", recordings / "2024-07-02 10.00 buona.wav")
    model_test = cluster.folder("bad-model") / "2024-07-04 10.00 modello.wav"
    shutil.copy(CLIPS / "cheetah_test_it_norm.wav", model_test)
    vanishing = recordings / "2024-07-03 10.00 sparita.wav"
    shutil.copy(CLIPS / "leopard_test_it.wav", vanishing)

    app, book, options, settings = submitter(cluster, "out-bad")
    sessions = {s.session_id: s for s in ingest.discover(recordings)}
    vanishing.unlink()  # after discovery, before a worker sees it
    jobs = submit(app, book, list(sessions.values()), settings, options, "cpu")
    unknown = replace(settings, transcribe=TranscribeOptions(model="whisper-nonexistent"))
    jobs += submit(app, book, ingest.discover(model_test), unknown, options, "cpu")
    records = {r.session_id: r for r in finished(cluster, [j.job_id for j in jobs])}

    assert records["2024-07-02-1000-buona"].state == "done", "other jobs go on"
    assert all(len(r.attempts) == 1 for r in records.values()), "bad input is not retried"
    vanished = records["2024-07-03-1000-sparita"]
    assert vanished.state == "failed"
    assert f"{vanishing}: no such file or folder on worker" in vanished.detail
    assert "is the shared root" in vanished.detail

    local = verbali("run", "recordings/bad/2024-07-01 10.00 rotta.wav", "--out", "out-bad-local", "--settle", "0",
                    cwd=cluster.root)  # fmt: skip
    local_error = next(line for line in local.stderr.splitlines() if line.startswith("error:"))
    assert local.returncode == 1
    corrupt = records["2024-07-01-1000-rotta"]
    assert corrupt.state == "failed" and local_error == f"error: {corrupt.session_id}: {corrupt.detail}"

    local = verbali("run", str(model_test), "--out", "out-bad-local", "--settle", "0", "--model", "whisper-nonexistent",
                    "--diarization", "none", cwd=cluster.root)  # fmt: skip
    local_error = next(line for line in local.stderr.splitlines() if line.startswith("error:"))
    assert records["2024-07-04-1000-modello"].state == "failed"
    assert local_error == f"error: {records['2024-07-04-1000-modello'].detail}"


def test_jobs_go_to_the_gpu_queue_while_a_gpu_worker_is_alive(cluster, tmp_path):
    from pipeline.workers.app import make_app
    from pipeline.workers.routing import choose_queue, consumed_queues

    app = make_app(submitter(cluster, "out-gpu")[2])
    alive = consumed_queues(app)
    assert alive == {"cpu-a@test": ["cpu"], "cpu-b@test": ["cpu"]} and choose_queue(alive) == "cpu"
    gpu = WorkerProcess("gpu-1@test", cluster.redis.url, cluster.root, tmp_path / "gpu.log",
                        ("--queue", "gpu", "--diarization", "none")).start()  # fmt: skip
    try:
        gpu.wait_ready()  # a "GPU" worker without a GPU: device auto runs it on the CPU here
        assert choose_queue(consumed_queues(app)) == "gpu"
        recordings = cluster.folder("gpu")
        shutil.copy(CLIPS / "cheetah_test_it_norm.wav", recordings / "2024-08-01 10.00 gpu.wav")
        done = verbali("run", "recordings/gpu", "--out", "out-gpu", "--settle", "0", *FAST, "--wait",
                       cwd=cluster.root, broker=cluster.redis.url)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "(gpu)" in done.stderr and "running 2024-08-01-1000-gpu on gpu-1@test" in done.stderr
    finally:
        gpu.stop()
