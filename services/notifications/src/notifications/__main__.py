"""Entrypoint: `python -m notifications` (serve), `migrate`, `outbox replay --since T`."""

import sys

from notifications.app import create_app
from notifications.models import infra, metadata
from notifications.settings import Settings
from shared.runtime.commands import service_main


def main() -> None:
    sys.exit(
        service_main(
            sys.argv[1:],
            settings=Settings(),
            create_app=create_app,
            package="notifications",
            metadata=metadata,
            infra=infra,
        )
    )


if __name__ == "__main__":
    main()
