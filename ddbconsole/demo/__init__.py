"""The embedded local AWS: moto in a child process, seed data, and (later) a traffic simulator."""
