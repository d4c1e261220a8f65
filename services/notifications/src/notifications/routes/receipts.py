"""The SMS provider's delivery-receipt callback: authenticated by the HMAC over its body only."""

from __future__ import annotations

from fastapi import APIRouter

from notifications import service
from notifications.deps import SignedReceipt
from notifications.schemas import ReceiptAck
from shared.runtime.deps import Runtime, UoW
from shared.runtime.problems import problem_responses

router = APIRouter(prefix="/v1", tags=["delivery receipts"])


@router.post(
    "/delivery-receipts",
    response_model=ReceiptAck,
    summary="A signed delivery receipt from the SMS provider",
    responses=problem_responses(401, 413, 422),
)
async def delivery_receipt(receipt: SignedReceipt, uow: UoW, runtime: Runtime) -> ReceiptAck:
    return await service.apply_receipt(uow, receipt=receipt, now=runtime.db.clock())
