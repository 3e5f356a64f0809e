#!/usr/bin/env bash
# Set up (or bring up to date) one machine for a trustkit class on JupyterHub. Run as root,
# again after adding accounts: it is idempotent and never touches a course already in place.
# docs/deploy.md explains every step; tests/test_hub.py runs this very script.
#
#   sudo deploy/setup.sh
#
# Settings (environment variables; the same names and defaults as deploy/jupyterhub_config.py):
#   TRUSTKIT_HUB_PREFIX        /srv/trustkit          hub state, exchange, per-role Jupyter config
#   TRUSTKIT_INSTRUCTOR_GROUP  trustkit-instructors   accounts that grade
#   TRUSTKIT_STUDENT_GROUP     trustkit-students      accounts that learn
#   TRUSTKIT_COURSE_ID         trustkit               the course id in the exchange
#   TRUSTKIT_COURSE_FOLDER     trustkit               the course root, in each instructor's home
#   TRUSTKIT_PYTHON            python3 on PATH        the Python of the environment the hub runs
#                                                     from (trustkit + jupyterhub installed)
set -euo pipefail

PREFIX=${TRUSTKIT_HUB_PREFIX:-/srv/trustkit}
INSTRUCTOR_GROUP=${TRUSTKIT_INSTRUCTOR_GROUP:-trustkit-instructors}
STUDENT_GROUP=${TRUSTKIT_STUDENT_GROUP:-trustkit-students}
COURSE_ID=${TRUSTKIT_COURSE_ID:-trustkit}
COURSE_FOLDER=${TRUSTKIT_COURSE_FOLDER:-trustkit}
PYTHON=${TRUSTKIT_PYTHON:-$(command -v python3)}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SOURCE=$(dirname "$HERE") # the trustkit checkout: nbgrader_config.py and solutions/

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (sudo deploy/setup.sh): it creates groups and sets folder owners."
[ -f "$SOURCE/nbgrader_config.py" ] && [ -d "$SOURCE/solutions" ] \
  || die "$SOURCE has no nbgrader_config.py and solutions/: run the script from a trustkit checkout."
# one look at the environment: it imports, its kernel spec, where trustkit comes from
info=$("$PYTHON" -c '
import pathlib, sys
import jupyterhub, nbgrader, trustkit
print(pathlib.Path(sys.prefix, "share", "jupyter", "kernels", "python3", "kernel.json").exists())
print(pathlib.Path(trustkit.__file__).resolve().parent.parent)
' 2>/dev/null) \
  || die "$PYTHON cannot import trustkit, nbgrader and jupyterhub: install them first (docs/deploy.md, step 1)."
has_kernel=$(sed -n 1p <<<"$info")
package=$(sed -n 2p <<<"$info")

# 1. The two groups: membership decides who may log in and who grades.
for group in "$INSTRUCTOR_GROUP" "$STUDENT_GROUP"; do
  if ! getent group "$group" >/dev/null; then
    groupadd "$group"
    say "created group $group"
  fi
done
members() { getent group "$1" | cut -d: -f4 | tr ',' ' '; }
home_of() { getent passwd "$1" | cut -d: -f6; }

# 2. Folders: hub state (root only), the exchange (everyone writes, nobody deletes another's
#    files: 1777), the per-role Jupyter configuration (read by everyone, written by root).
install -d -m 0755 "$PREFIX"
install -d -m 0700 "$PREFIX/hub"
install -d -m 1777 "$PREFIX/exchange"
chmod 1777 "$PREFIX/exchange" # nbgrader insists on rwx for everyone at the exchange root
rm -rf "$PREFIX/jupyter.new"
cp -r "$HERE/jupyter" "$PREFIX/jupyter.new"
find "$PREFIX/jupyter.new" -name __pycache__ -prune -exec rm -rf {} +
chown -R root:root "$PREFIX/jupyter.new"
chmod -R u=rwX,go=rX "$PREFIX/jupyter.new"
rm -rf "$PREFIX/jupyter"
mv "$PREFIX/jupyter.new" "$PREFIX/jupyter"
say "exchange $PREFIX/exchange, role configuration $PREFIX/jupyter/{common,instructor,student}"

# 3. Every member's home is private (Debian's useradd makes it world-readable by default):
#    students must not read each other's work, nor an instructor's course (answer keys inside).
for user in $(members "$INSTRUCTOR_GROUP") $(members "$STUDENT_GROUP"); do
  home=$(home_of "$user")
  if [ -n "$home" ] && [ -d "$home" ]; then
    chmod 0700 "$home"
  else
    say "warning: $user has no home folder; create the account with useradd -m"
  fi
done

# 4. Each instructor's course: a copy of nbgrader_config.py and solutions/ in ~/$COURSE_FOLDER,
#    made once (an existing course, with its gradebook and submissions, is never touched).
first_instructor=""
for user in $(members "$INSTRUCTOR_GROUP"); do
  first_instructor=${first_instructor:-$user}
  home=$(home_of "$user")
  [ -d "$home" ] || continue
  course="$home/$COURSE_FOLDER"
  if [ -e "$course" ]; then
    say "$user: course $course already there, left as it is"
    continue
  fi
  install -d -m 0700 -o "$user" -g "$(id -gn "$user")" "$course"
  cp "$SOURCE/nbgrader_config.py" "$course/"
  cp -r "$SOURCE/solutions" "$course/"
  find "$course" \( -name trustkit-work -o -name .ipynb_checkpoints -o -name __pycache__ \) \
    -prune -exec rm -rf {} +
  chown -R "$user:$(id -gn "$user")" "$course"
  say "$user: course copied to $course"
done

# 5. The course's folder in the exchange belongs to an instructor from the start, so no student
#    can create it first and hand out assignments of their own.
if [ -n "$first_instructor" ]; then
  exchange_course="$PREFIX/exchange/$COURSE_ID"
  if [ ! -e "$exchange_course" ]; then
    install -d -m 0755 -o "$first_instructor" -g "$(id -gn "$first_instructor")" "$exchange_course"
  fi
  owner=$(stat -c %U "$exchange_course")
  owner_teaches=no
  for user in $(members "$INSTRUCTOR_GROUP"); do
    [ "$user" = "$owner" ] && owner_teaches=yes
  done
  [ "$owner_teaches" = yes ] \
    || die "$exchange_course belongs to $owner, who is not in $INSTRUCTOR_GROUP: remove it and run again."
else
  say "warning: $INSTRUCTOR_GROUP has no members yet; add an instructor and run again"
fi

# 6. The environment every server runs from: readable by all, with a python3 kernel.
if [ "$has_kernel" != True ]; then
  "$PYTHON" -m ipykernel install --sys-prefix >/dev/null
  say "installed the python3 kernel into the environment of $PYTHON"
fi
probe=$(members "$STUDENT_GROUP" | awk '{print $1}')
if [ -n "$probe" ] && ! runuser -u "$probe" -- "$PYTHON" -c 'import trustkit' 2>/dev/null; then
  die "$probe cannot run $PYTHON with trustkit: every account must be able to read the environment (chmod -R a+rX, and a+x on its parent folders)."
fi
if [ -d "$package/solutions" ] && [ -n "$probe" ] \
  && runuser -u "$probe" -- test -r "$package/solutions"; then
  say "warning: trustkit is imported from $package, whose solutions/ (the answer keys) students can read: install it with 'pip install .' (not -e), or make that checkout private"
fi

say "done. Start the hub as root: $(dirname "$PYTHON")/jupyterhub -f $HERE/jupyterhub_config.py"
