"""Live case rooms (Socket.IO), their transcripts and scheduled case conferences."""
