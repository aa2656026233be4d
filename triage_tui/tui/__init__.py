"""The Textual app: app shell, screens and widgets. Imported only when the TUI opens."""
