# Removes what install.sh made.
set -eu
rm -rf app
