"""Entrypoint: `python -m registry` (serve), `migrate`, `outbox replay --since T`."""

import sys

from registry.app import create_app
from registry.models import infra, metadata
from registry.settings import Settings
from shared.runtime.commands import service_main


def main() -> None:
    sys.exit(
        service_main(
            sys.argv[1:],
            settings=Settings(),
            create_app=create_app,
            package="registry",
            metadata=metadata,
            infra=infra,
        )
    )


if __name__ == "__main__":
    main()
