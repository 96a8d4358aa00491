from .users import *  # noqa: F401,F403
from .catalog import *  # noqa: F401,F403
from .orders import *  # noqa: F401,F403
from .payments import *  # noqa: F401,F403
from .shipping import *  # noqa: F401,F403
from .reviews import *  # noqa: F401,F403
from .notifications import *  # noqa: F401,F403
