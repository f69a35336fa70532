"""The image's runtime settings (build/runtime.env) for the bench scripts that start the published webhook."""
import os
import re

# The lines .ci/smoke-publish.sh and bench/lib/processes.sh read: KEY=VALUE at the start of a line.
SETTING = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


def runtime_env(root):
    """KEY=VALUE lines of build/runtime.env as a dict: what the Dockerfile's runtime stage sets with ENV."""
    settings = {}
    with open(os.path.join(root, "build", "runtime.env")) as f:
        for line in f:
            match = SETTING.match(line.rstrip("\n"))
            if match:
                settings[match.group(1)] = match.group(2)
    return settings
