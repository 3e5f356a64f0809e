"""nbgrader settings for every account on the hub, students and instructors alike.

The hub (deploy/jupyterhub_config.py) puts this folder on every server's JUPYTER_CONFIG_PATH
and sets the variables read here. The exchange is nbgrader's file-system exchange: one folder
that every account can write to (mode 1777), where the account a file belongs to says who
submitted it.
"""

import os

c = get_config()  # noqa: F821 - provided by nbgrader's config loader

c.CourseDirectory.course_id = os.environ.get("TRUSTKIT_COURSE_ID", "trustkit")
c.Exchange.root = os.environ.get("TRUSTKIT_EXCHANGE", "/srv/trustkit/exchange")

# A learner's saved work (trustkit-work/ next to the notebook) must travel with the submission:
# the same rules as the course's own nbgrader_config.py, here for the students' side.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]
c.CourseDirectory.include = ["*"]
c.CourseDirectory.max_file_size = 100000  # kB
c.CourseDirectory.max_dir_size = 100000  # kB
