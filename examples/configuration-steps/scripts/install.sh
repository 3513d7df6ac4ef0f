# Installs the greeting into the host's directory.
set -eu
echo "installing into $INDIGO_TARGET"
if [ -n "${FAIL_ON:-}" ]; then
  case "$INDIGO_TARGET" in
    *"$FAIL_ON"*) echo "this site has no room for the greeting ($FAIL_ON)" >&2; exit 4 ;;
  esac
fi
mkdir -p app
printf '%s\n' "$GREETING" > app/greeting.txt
echo install >> app/runs.log
