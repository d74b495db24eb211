"""Media helpers shared by the offline providers and the timeline renderer: ffmpeg and durations."""
