"""Entrypoint: `python -m registry` (serve), `migrate`, `outbox replay --since T`, `audit verify`."""

import sys

from registry import audit_cli
from registry.app import create_app
from registry.models import infra, metadata
from registry.settings import Settings
from shared.runtime.commands import service_main


def main() -> None:
    argv = sys.argv[1:]
    if argv[:1] == ["audit"]:
        sys.exit(audit_cli.main(argv[1:], Settings()))
    sys.exit(
        service_main(
            argv,
            settings=Settings(),
            create_app=create_app,
            package="registry",
            metadata=metadata,
            infra=infra,
        )
    )


if __name__ == "__main__":
    main()
