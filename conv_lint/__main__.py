from conv_lint.cli import main

raise SystemExit(main())
