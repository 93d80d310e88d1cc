"""Library warnings and log records go to outputs/verbali.log, not to the terminal."""

import logging
import warnings

from pipeline.logs import log_to_file


def test_library_warnings_and_logs_go_to_the_log_file_only(tmp_path, capsys):
    try:
        with warnings.catch_warnings():  # pytest's own warning capture set aside, as in a real run
            warnings.simplefilter("default")
            path = log_to_file(tmp_path)
            warnings.warn("std(): degrees of freedom is <= 0", UserWarning, stacklevel=1)
        logging.getLogger("pytorch_lightning").warning("Lightning automatically upgraded your checkpoint")
        logging.getLogger("verbali").info("session 1 transcription: done")
        for handler in logging.getLogger().handlers:
            handler.flush()
        captured = capsys.readouterr()
        text = path.read_text()
        assert "degrees of freedom" in text and "Lightning automatically upgraded" in text
        assert "transcription: done" in text
        assert "degrees of freedom" not in captured.err + captured.out
        assert "Lightning" not in captured.err + captured.out
    finally:
        logging.captureWarnings(False)


def test_verbose_shows_verbali_lines_on_the_terminal_but_not_the_libraries(tmp_path, capsys):
    log_to_file(tmp_path, console=True)
    try:
        logging.getLogger("verbali").info("session 1 audio: started")
        logging.getLogger("speechbrain").warning("noisy library")
        err = capsys.readouterr().err
        assert "audio: started" in err and "noisy library" not in err
    finally:
        logging.captureWarnings(False)
