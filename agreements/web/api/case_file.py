"""Tenancy contracts, eviction judgments and payment arrangements: one shape, three kinds."""

# No `from __future__ import annotations` here: FastAPI must see the real body types that
# `_routes` closes over.
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, status

from agreements.services.cases import case_file
from agreements.services.inputs import (
    Input,
    JudgmentIn,
    JudgmentPatch,
    PaymentArrangementIn,
    PaymentArrangementPatch,
    TenancyContractIn,
    TenancyContractPatch,
)
from agreements.web.deps import ActorDep, DepsDep, Limit, NowDep, Offset, OptId, PathId
from agreements.web.problems import responses
from agreements.web.schemas import (
    JudgmentOut,
    PageOut,
    PaymentArrangementOut,
    TenancyContractOut,
)

router = APIRouter()


def _routes(
    path: str,
    tag: str,
    what: str,
    kind: case_file.CaseFileKind[Any],
    create_in: type[Input],
    patch_in: type[Input],
    out: type[Any],
    shape: Callable[[Any], Any],
) -> None:
    def list_rows(
        actor: ActorDep,
        deps: DepsDep,
        case_id: OptId = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Any:
        return PageOut.of(
            kind.list(deps=deps, actor=actor, case_id=case_id, limit=limit, offset=offset), shape
        )

    def create_row(
        body: create_in,  # type: ignore[valid-type]
        actor: ActorDep,
        deps: DepsDep,
        now: NowDep,
    ) -> Any:
        return shape(kind.create(body, deps=deps, actor=actor, now=now))

    def get_row(row_id: PathId, actor: ActorDep, deps: DepsDep, now: NowDep) -> Any:
        return shape(kind.get(row_id, deps=deps, actor=actor, now=now))

    def update_row(
        row_id: PathId,
        body: patch_in,  # type: ignore[valid-type]
        actor: ActorDep,
        deps: DepsDep,
        now: NowDep,
    ) -> Any:
        return shape(kind.update(row_id, body, deps=deps, actor=actor, now=now))

    router.add_api_route(
        path,
        list_rows,
        methods=["GET"],
        response_model=PageOut[out],  # type: ignore[valid-type]
        tags=[tag],
        summary=f"List {what}s",
        operation_id=f"list_{tag}",
    )
    router.add_api_route(
        path,
        create_row,
        methods=["POST"],
        response_model=out,
        tags=[tag],
        status_code=status.HTTP_201_CREATED,
        summary=f"Add a {what} to a case",
        responses=responses(403, 404),
        operation_id=f"create_{tag}",
    )
    router.add_api_route(
        f"{path}/{{row_id}}",
        get_row,
        methods=["GET"],
        response_model=out,
        tags=[tag],
        summary=f"One {what}",
        operation_id=f"get_{tag}",
    )
    router.add_api_route(
        f"{path}/{{row_id}}",
        update_row,
        methods=["PATCH"],
        response_model=out,
        tags=[tag],
        summary=f"Change a {what}",
        responses=responses(403),
        operation_id=f"update_{tag}",
    )


_routes(
    "/tenancy-contracts",
    "tenancy_contracts",
    "tenancy contract",
    case_file.tenancy_contracts,
    TenancyContractIn,
    TenancyContractPatch,
    TenancyContractOut,
    TenancyContractOut.of,
)
_routes(
    "/judgments",
    "judgments",
    "eviction judgment",
    case_file.judgments,
    JudgmentIn,
    JudgmentPatch,
    JudgmentOut,
    JudgmentOut.model_validate,
)
_routes(
    "/payment-arrangements",
    "payment_arrangements",
    "payment arrangement",
    case_file.payment_arrangements,
    PaymentArrangementIn,
    PaymentArrangementPatch,
    PaymentArrangementOut,
    PaymentArrangementOut.of,
)
