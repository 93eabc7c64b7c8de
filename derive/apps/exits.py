"""How a command ends: one message and an exit status for every failure, in the reader's language (the
command line and `report --watch` both end each run through `guarded`)."""
from __future__ import annotations

import os
import sys

from ..core.errors import DeriveError


def guarded(run, debug: bool = False, err=None, language=lambda: "en") -> int:
    """Run a command, turning every failure into one message and an exit status: bad input 1, a file or
    disk problem 1, Ctrl-C 130, anything else 70 (a bug: its traceback only with --debug). Bad input is
    said in the language `language()` finds, asked only when there is something to say."""
    err = err or sys.stderr
    try:
        return run()
    except DeriveError as error:
        print(error.render(language()), file=err)
        return 1
    except KeyboardInterrupt:
        from ..core.i18n import t

        print(t(language(), "cli_interrupted"), file=err)
        return 130
    except BrokenPipeError:                 # the reader left (`derive gradients ... | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as error:
        from ..core.errors import os_reason
        from ..core.i18n import Msg

        where = f": {error.filename}" if error.filename else ""
        print(DeriveError(Msg("err_os", why=os_reason(error), where=where)).render(language()), file=err)
        return 1
    except MemoryError:
        from ..core.i18n import t

        print(t(language(), "cli_out_of_memory"), file=err)
        return 1
    except Exception as error:          # the last resort: a bug, said plainly
        if debug:
            import traceback

            traceback.print_exc(file=err)
        from ..core.i18n import t

        print(t(language(), "cli_bug", kind=type(error).__name__, message=str(error)[:300]), file=err)
        return 70
