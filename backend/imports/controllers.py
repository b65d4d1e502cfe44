"""HTTP: account imports (admin). Files come as multipart `files`; options as form fields."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.datastructures import UploadFile

from backend.auth.principal import Role
from backend.errors import InvalidInput
from backend.geocoding.providers import make_geocoder
from backend.http.dependencies import AppSettings, Caller, Transactions
from backend.http.security import requires_role
from backend.imports import service
from backend.imports.schemas import ImportOptions, ImportReport, UploadedFile
from geo_data.account_rows import MappingError, parse_mapping

# The form this handler reads itself, for the OpenAPI document (backend/http/openapi.py).
IMPORT_FORM = {
    "type": "object",
    "required": ["files"],
    "properties": {
        "files": {
            "type": "array",
            "items": {"type": "string", "format": "binary"},
            "description": "one or more account files: CSV (any common encoding) or XLSX",
        },
        "source": {"type": "string", "description": "where the files come from (provenance); default the names"},
        "dry_run": {"type": "boolean", "description": "report only, store nothing", "default": False},
        "mapping": {"type": "string", "description": "column mapping as JSON or TOML text"},
    },
}


def _flag(value: object) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


class ImportsController(Controller):
    path = "/api/v1/imports"
    tags = ["imports"]
    guards = [requires_role(Role.ADMIN)]

    @post(
        "/accounts",
        status_code=200,
        summary="Import accounts from CSV/XLSX files",
        opt={"multipart_form": IMPORT_FORM},
    )
    async def import_accounts(
        self, request: Request[Any, Any, Any], transactions: Transactions, principal: Caller, settings: AppSettings
    ) -> ImportReport:
        """multipart/form-data: one or more `files` (CSV, XLSX); optional `source`, `dry_run`
        (true/false), `mapping` (a JSON or TOML mapping, as text or a file). Answers the import report;
        a file that cannot be read answers 422 naming it, and nothing is stored. No database connection is
        held while the upload arrives (Litestar spools files over 1 MiB to disk) and while the files are
        read and checked: only the matching and writing take one."""
        form = await request.form()
        uploads: list[UploadedFile] = []
        for value in form.getall("files") if "files" in form else []:
            if not isinstance(value, UploadFile):
                raise InvalidInput("files must be uploaded files (multipart/form-data)", field="files")
            uploads.append(UploadedFile(name=value.filename or "upload", data=await value.read()))
        mapping = None
        if "mapping" in form:
            raw = form.get("mapping")
            text = (await raw.read()).decode("utf-8", "replace") if isinstance(raw, UploadFile) else str(raw)
            try:
                mapping = parse_mapping(text, "mapping")
            except MappingError as exc:
                raise InvalidInput(str(exc), field="mapping") from exc
        source = form.get("source")
        options = ImportOptions(
            source=str(source).strip() or None if source is not None else None,
            dry_run=_flag(form.get("dry_run", "false")),
            mapping=mapping,
            phone_region=settings.default_phone_region,
            region_bbox=settings.import_region_bbox or None,
            max_file_bytes=settings.max_import_file_bytes,
            max_rows=settings.max_import_rows,
            max_cells=settings.max_import_cells,
        )
        read = await service.read_uploads(uploads, options)
        async with transactions() as conn:
            return await service.import_accounts(
                conn,
                uploads,
                options,
                principal.user_id,
                read=read,
                geocoder=make_geocoder(settings.geocoder, settings.geocoder_url),
            )
