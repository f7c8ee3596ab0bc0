# The Belgian conventions are the same in the three languages (community/formats/belgium.py).
from community.formats.belgium import *  # noqa: F403
