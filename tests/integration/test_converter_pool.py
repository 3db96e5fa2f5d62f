"""The converter pool against real LibreOffice: conversion, concurrency, failures, clean exits."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from templates.convert import convert_cold
from templates.errors import ConversionError, ConversionTimeout, ConverterUnavailable
from templates.pool import ConverterPool
from tests.converters import (
    assert_no_leftovers,
    make_docx,
    pdf_text,
    processes_mentioning,
    wait_for,
)
from tests.support import require_libreoffice

pytestmark = pytest.mark.libreoffice


@pytest.fixture(scope="module", autouse=True)
def _libreoffice() -> None:
    # In a fixture, not at import: pytest.skip at module level is a collection error.
    require_libreoffice()


HOSTILE = "Ünal & Zoë <van 't Hek>"


@pytest.fixture(scope="module")
def pool() -> Iterator[ConverterPool]:
    with ConverterPool(size=2, conversion_timeout=30, start_timeout=60) as started:
        assert started.workdir is not None
        workdir = started.workdir
        yield started
    assert_no_leftovers(workdir)


def all_idle(pool: ConverterPool) -> bool:
    return all(status.state == "idle" for status in pool.status())


def pids(pool: ConverterPool) -> set[int | None]:
    return {status.pid for status in pool.status()}


def test_a_document_comes_out_with_its_words(pool: ConverterPool) -> None:
    pdf = pool.convert(make_docx("Huurder: " + HOSTILE, "Zaaknummer C/16/123456"))
    text = pdf_text(pdf)
    assert "Woonbegeleidingsovereenkomst" in text
    assert HOSTILE in text
    assert "C/16/123456" in text


def test_every_converter_has_its_own_profile_and_loopback_ports(pool: ConverterPool) -> None:
    statuses = pool.status()
    assert len(statuses) == 2
    assert len({status.address for status in statuses}) == 2
    assert all(status.address.startswith("127.0.0.1:") for status in statuses)
    profiles = [cmd for cmd in processes_mentioning(str(pool.workdir)) if "soffice.bin" in cmd]
    assert len(profiles) == 2
    assert len({cmd.split("UserInstallation=")[1].split()[0] for cmd in profiles}) == 2


def test_two_conversions_at_once_both_succeed(pool: ConverterPool) -> None:
    documents = [make_docx(f"Document {name}", "tekst " * 400) for name in ("een", "twee")]
    before = sum(status.conversions for status in pool.status())
    start = threading.Barrier(2)

    def convert(docx: bytes) -> bytes:
        start.wait()
        return pool.convert(docx)

    with ThreadPoolExecutor(max_workers=2) as executor:
        pdfs = list(executor.map(convert, documents))
    assert "Document een" in pdf_text(pdfs[0])
    assert "Document twee" in pdf_text(pdfs[1])
    assert sum(status.conversions for status in pool.status()) == before + 2


def test_input_that_is_not_a_docx_is_refused_and_the_converter_stays(pool: ConverterPool) -> None:
    with pytest.raises(ConversionError, match="not a DOCX"):
        pool.convert(b"just some text")
    with pytest.raises(ConversionError, match="could not convert"):
        pool.convert(b"PK\x03\x04 a broken zip file")
    assert all_idle(pool)
    assert HOSTILE in pdf_text(pool.convert(make_docx(HOSTILE)))


def test_a_converter_killed_mid_conversion_is_replaced_and_the_document_comes_out(
    pool: ConverterPool, caplog: pytest.LogCaptureFixture
) -> None:
    wait_for(lambda: all_idle(pool))
    article = "De huurder betaalt de huur op tijd. " * 40
    docx = make_docx(*(f"Artikel {n}. {article}" for n in range(150)), "Einde van de overeenkomst")
    with ThreadPoolExecutor(max_workers=1) as executor:
        result = executor.submit(pool.convert, docx)
        wait_for(lambda: any(status.state == "busy" for status in pool.status()), 10)
        victim = next(status for status in pool.status() if status.state == "busy")
        time.sleep(0.3)
        assert victim.pid is not None
        os.killpg(victim.pid, signal.SIGKILL)
        pdf = result.result(timeout=60)
    assert "Einde van de overeenkomst" in pdf_text(pdf)
    retries = [r for r in caplog.records if getattr(r, "event", "") == "conversion.retry"]
    assert [record.fields["converter"] for record in retries] == [victim.name]
    wait_for(lambda: all_idle(pool) and victim.pid not in pids(pool))


def test_a_converter_killed_between_conversions_is_replaced(pool: ConverterPool) -> None:
    wait_for(lambda: all_idle(pool))
    victim = pool.status()[0]
    assert victim.pid is not None
    os.killpg(victim.pid, signal.SIGKILL)
    time.sleep(0.3)
    assert "Na de storing" in pdf_text(pool.convert(make_docx("Na de storing")))
    wait_for(lambda: all_idle(pool) and victim.pid not in pids(pool))


def test_remote_converters_are_used_as_they_are(pool: ConverterPool) -> None:
    wait_for(lambda: all_idle(pool))
    address = pool.status()[0].address
    with ConverterPool(remote=[address], start_timeout=5) as remote:
        assert remote.workdir is None
        assert "Op afstand" in pdf_text(remote.convert(make_docx("Op afstand")))
    assert pool.status()[0].state == "idle"


def test_an_unreachable_remote_converter_is_reported_plainly() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ConverterUnavailable, match=f"127.0.0.1:{port} did not answer"):
        ConverterPool(remote=[f"127.0.0.1:{port}"], start_timeout=1).start()


def test_a_missing_libreoffice_is_reported_plainly() -> None:
    pool = ConverterPool(soffice="/nonexistent/soffice")
    with pytest.raises(ConverterUnavailable, match=r"LibreOffice \(soffice\) is not installed"):
        pool.convert(make_docx("niets"))


def test_an_interpreter_without_the_uno_bridge_is_reported_plainly() -> None:
    with pytest.raises(ConverterUnavailable, match="cannot run unoserver"):
        ConverterPool(python="/nonexistent/python3").start()


def test_hung_converter_is_replaced_recycling_works_and_close_leaves_nothing() -> None:
    with ConverterPool(size=1, recycle_after=2, start_timeout=60) as single:
        assert single.workdir is not None
        workdir = single.workdir
        (first,) = single.status()
        assert first.pid is not None
        os.killpg(first.pid, signal.SIGSTOP)  # LibreOffice and its server hang
        with pytest.raises(ConversionTimeout):
            single.convert(make_docx("Blijft hangen"), timeout=2)

        single.convert(make_docx("Eerste"))
        (restarted,) = single.status()
        assert restarted.pid not in (None, first.pid)
        assert restarted.conversions == 1

        single.convert(make_docx("Tweede"))  # the second conversion wears it out
        assert "Derde" in pdf_text(single.convert(make_docx("Derde")))
        (recycled,) = single.status()
        assert recycled.pid not in (None, first.pid, restarted.pid)
        assert recycled.conversions == 1
    assert_no_leftovers(workdir)


def test_a_cold_one_shot_conversion_gives_the_same_words() -> None:
    assert HOSTILE in pdf_text(convert_cold(make_docx(HOSTILE)))
