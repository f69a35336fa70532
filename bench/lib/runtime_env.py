"""The image's runtime settings (build/runtime.env) for the bench scripts that start the published webhook."""
import os


def runtime_env(root):
    """KEY=VALUE lines of build/runtime.env as a dict: what the Dockerfile's runtime stage sets with ENV."""
    settings = {}
    with open(os.path.join(root, "build", "runtime.env")) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                key, value = line.split("=", 1)
                settings[key] = value
    return settings
