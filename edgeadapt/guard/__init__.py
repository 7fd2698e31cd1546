"""Guard rails on outputs and updates. Import the modules by their full path."""
