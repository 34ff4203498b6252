// A Key Vault with Azure RBAC (no access policies), soft delete + purge protection, HSM-capable
// SKU for HSM-backed keys, and diagnostics (AuditEvent). With public network access Disabled it
// is reached through a private endpoint (group vault).
param location string
param tags object
param name string
param logAnalyticsId string
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 90
@description('Disabled (main.bicep privateNetworking): reached through its private endpoint only, and the firewall default becomes Deny.')
@allowed(['Enabled', 'Disabled'])
param publicNetworkAccess string = 'Enabled'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    // checkov:skip=CKV_AZURE_109: the firewall default follows publicNetworkAccess: Allow by default, Deny when main.bicep's privateNetworking (default false) disables public access and adds a private endpoint (group vault); checkov sees only this module's default. Without private networking data-plane access still needs an Entra ID token and an RBAC role on this vault (app identity only).
    // checkov:skip=CKV_AZURE_189: public network access is off by parameter, not by default: Disabled when main.bicep's privateNetworking is true (default false, same choice as CKV_AZURE_109); otherwise Flex Consumption without VNet integration reaches Key Vault over its public endpoint with Entra ID tokens only.
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'premium'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: publicNetworkAccess
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: publicNetworkAccess == 'Disabled' ? 'Deny' : 'Allow'
    }
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: vault
  properties: {
    workspaceId: logAnalyticsId
    logAnalyticsDestinationType: 'Dedicated'
    logs: [{ categoryGroup: 'allLogs', enabled: true }]
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

output id string = vault.id
output name string = vault.name
output uri string = vault.properties.vaultUri
// keyvaultDns is '.vault.azure.net' in the public cloud; the private link zone is 'vaultcore'.
output privateDnsZoneName string = 'privatelink${replace(environment().suffixes.keyvaultDns, '.vault.', '.vaultcore.')}'
