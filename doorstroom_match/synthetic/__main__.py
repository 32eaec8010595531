"""``python -m doorstroom_match.synthetic``: the same as ``doorstroom-match sample``."""

from .generate import main

raise SystemExit(main())
