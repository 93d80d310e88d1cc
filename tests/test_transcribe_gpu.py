"""The CUDA path's choices, checked without a GPU (the engine is planned by a pure function)."""

from pipeline.config import TranscribeOptions
from pipeline.transcribe.context import Prompt
from pipeline.transcribe.engine import decode_arguments, plan_engine


def test_a_gpu_gets_float16_and_the_batched_pipeline():
    plan = plan_engine(TranscribeOptions(), cuda_devices=1)
    assert (plan.device, plan.compute_type, plan.batched, plan.batch_size) == ("cuda", "float16", True, 16)
    arguments = decode_arguments(plan, TranscribeOptions(), Prompt(hotwords="Elena Rinaldi"))
    assert arguments["batch_size"] == 16 and arguments["hotwords"] == "Elena Rinaldi"
    assert arguments["word_timestamps"] and arguments["vad_filter"]


def test_without_a_gpu_int8_and_the_sequential_model():
    plan = plan_engine(TranscribeOptions(), cuda_devices=0)
    assert (plan.device, plan.compute_type, plan.batched) == ("cpu", "int8", False)
    assert "batch_size" not in decode_arguments(plan, TranscribeOptions(), Prompt())


def test_explicit_choices_win():
    plan = plan_engine(TranscribeOptions(device="cpu", compute_type="float32", batch_size=4), cuda_devices=2)
    assert (plan.device, plan.compute_type, plan.batched) == ("cpu", "float32", False)
    plan = plan_engine(TranscribeOptions(device="cuda", compute_type="int8_float16", batch_size=4), cuda_devices=1)
    assert (plan.compute_type, plan.batched, plan.batch_size) == ("int8_float16", True, 4)
