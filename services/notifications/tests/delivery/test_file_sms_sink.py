"""The demo's file SMS sink: readable lines, masked numbers, one line per message id."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from notifications.delivery_errors import PermanentDeliveryError
from notifications.sms_delivery import FileSmsSink, SmsProvider, SmsSender


async def test_each_message_is_written_once_with_a_masked_number(tmp_path: Path) -> None:
    path = tmp_path / "var" / "sms.jsonl"
    sink: SmsSender = FileSmsSink(path=path)
    first, second = uuid.uuid4(), uuid.uuid4()
    accepted = await sink.send(message_id=first, to="+393331234567", text="Proposta: è scaduta.")
    again = await sink.send(message_id=first, to="+393331234567", text="Proposta: è scaduta.")
    await sink.send(message_id=second, to="+393331234567", text="Secondo messaggio")
    lines = [json.loads(row) for row in path.read_text(encoding="utf-8").splitlines()]
    assert [line["message_id"] for line in lines] == [str(first), str(second)]
    assert lines[0] == {
        "message_id": str(first),
        "to": "**********567",
        "segments": 1,
        "text": "Proposta: è scaduta.",
    }
    assert (accepted.replayed, again.replayed) == (False, True)
    assert accepted.provider_message_id == again.provider_message_id


async def test_the_sink_checks_like_the_provider(tmp_path: Path) -> None:
    sink = FileSmsSink(path=tmp_path / "sms.jsonl")
    with pytest.raises(PermanentDeliveryError) as info:
        await sink.send(message_id=uuid.uuid4(), to="3331234567", text="x")
    assert info.value.code == "invalid_number"
    with pytest.raises(PermanentDeliveryError) as info:
        await sink.send(message_id=uuid.uuid4(), to="+393331234567", text="x" * 307)
    assert info.value.code == "sms_too_long"
    assert not (tmp_path / "sms.jsonl").exists()


def test_the_provider_and_the_sink_are_both_senders() -> None:
    senders: list[type[SmsSender]] = [SmsProvider, FileSmsSink]
    assert len(senders) == 2
