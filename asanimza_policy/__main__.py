from .cold import main

raise SystemExit(main())
