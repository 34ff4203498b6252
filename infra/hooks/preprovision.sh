#!/bin/sh
# azd preprovision hook (azure.yaml): the one-time steps of a stamp, checked before every
# `azd provision` so a fresh subscription or a new machine needs nothing by hand.
#
#  1. PRIVATE_NETWORKING=true: register the Microsoft.App resource provider. Flex Consumption
#     VNet integration delegates the app subnet to Microsoft.App/environments, and on a fresh
#     subscription that provider is not registered (nothing else in the stamp registers it).
#  2. PRIVACY_WRITE_INITIAL_SECRETS, from what the stamp's Key Vault holds, read through Azure
#     Resource Manager (works on a private stamp, needs no data-plane role): true only when
#     there is no vault yet or it holds neither blind-index nor transit, false when it holds
#     both, and a stop when it holds one (half-initialised: an operator decides). The Bicep
#     writes the secrets only when true, so no provision, from whatever machine, makes a new
#     version of a key that stored data depends on. Fail-closed: any error stops here.
#
# Needs the Azure CLI logged in (az login) with rights on the environment's subscription.
set -eu

fail() {
  echo "preprovision: $*" >&2
  exit 1
}

command -v az >/dev/null 2>&1 || fail "needs the Azure CLI (az), logged in; see bicep/README.md"
subscription="${AZURE_SUBSCRIPTION_ID:-}"
environment="${AZURE_ENV_NAME:-}"
[ -n "$subscription" ] || fail "AZURE_SUBSCRIPTION_ID is not set (run through azd, or export it)"
[ -n "$environment" ] || fail "AZURE_ENV_NAME is not set (run through azd, or export it)"

private=$(printf '%s' "${PRIVATE_NETWORKING:-false}" | tr '[:upper:]' '[:lower:]')
if [ "$private" = "true" ]; then
  state=$(az provider show --namespace Microsoft.App --subscription "$subscription" \
    --query registrationState --output tsv)
  if [ "$state" != "Registered" ]; then
    echo "preprovision: registering the Microsoft.App resource provider (state: $state)"
    az provider register --namespace Microsoft.App --subscription "$subscription" --wait
  fi
fi

# The stamp's vault carries the azd-env-name tag (main.bicep tags every resource with it).
vaults=$(az resource list --subscription "$subscription" --tag "azd-env-name=$environment" \
  --query "[?type=='Microsoft.KeyVault/vaults'].id" --output tsv)
count=$(printf '%s\n' "$vaults" | grep -c . || true)
if [ "$count" -gt 1 ]; then
  fail "$count Key Vaults are tagged azd-env-name=$environment; expected one"
elif [ "$count" -eq 0 ]; then
  write=true
  reason="no Key Vault yet for environment $environment"
else
  names=$(az rest --method get --url "$vaults/secrets?api-version=2023-07-01" \
    --query "value[].name" --output tsv)
  has() { printf '%s\n' "$names" | grep -qx "$1"; }
  if has blind-index && has transit; then
    write=false
    reason="the vault holds blind-index and transit; they are never rewritten"
  elif has blind-index || has transit; then
    fail "the vault holds only one of blind-index and transit; set the other by hand \
(bicep/README.md, 'Secrets generated at deploy time') before provisioning"
  else
    write=true
    reason="the vault holds neither blind-index nor transit"
  fi
fi

# Outside azd (a pipeline deploying main.bicep itself) the last line is the decision to pass
# as writeInitialSecrets.
if command -v azd >/dev/null 2>&1; then
  azd env set PRIVACY_WRITE_INITIAL_SECRETS "$write"
fi
echo "preprovision: PRIVACY_WRITE_INITIAL_SECRETS=$write ($reason)"
