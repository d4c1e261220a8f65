"""Entrypoint: `python -m landlords` (serve), `migrate`, `outbox replay --since T`."""

import sys

from landlords.app import create_app
from landlords.models import infra, metadata
from landlords.settings import Settings
from shared.runtime.commands import service_main


def main() -> None:
    sys.exit(
        service_main(
            sys.argv[1:],
            settings=Settings(),
            create_app=create_app,
            package="landlords",
            metadata=metadata,
            infra=infra,
        )
    )


if __name__ == "__main__":
    main()
