"""Entrypoint: `python -m matching` (serve), `migrate`, `outbox replay --since T`."""

import sys

from matching.app import create_app
from matching.models import infra, metadata
from matching.settings import Settings
from shared.runtime.commands import service_main


def main() -> None:
    sys.exit(
        service_main(
            sys.argv[1:],
            settings=Settings(),
            create_app=create_app,
            package="matching",
            metadata=metadata,
            infra=infra,
        )
    )


if __name__ == "__main__":
    main()
