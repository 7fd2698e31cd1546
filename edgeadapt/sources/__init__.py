"""Sources of frames: WAV and CSV files, stdin, microphone, camera."""
