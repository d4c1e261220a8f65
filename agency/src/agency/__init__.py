"""The agency command: embedded stack launcher and operator tools."""
