"""The few exception classes a user can meet; each becomes one line and exit 2."""

# The exit status of every command, the bundle's builds included, after an
# error it could name.
EXIT_ERROR = 2


class DspmIamError(Exception):
    """Base class: the message names the file or value, then what was expected."""


class InputError(DspmIamError):
    """An input file could not be read, parsed or understood."""


class ParamsError(DspmIamError):
    """The parameters file is missing, malformed or fails its schema."""


class BundleError(DspmIamError):
    """The policy bundle is missing, malformed or rejected by the engine."""


class EngineError(DspmIamError):
    """The policy engine failed while evaluating."""
