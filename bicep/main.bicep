// One regional stamp of the privacy backbone: a resource group holding the function app and
// every store of one customer region (EU, US, ...). Deploy once per region with azd (azure.yaml)
// and that region's parameters file. Tenants' data, keys, exports and queues stay in the stamp.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; with the subscription and location it seeds the resource names.')
param environmentName string

@minLength(1)
@description('Azure region of the stamp; must offer Flex Consumption.')
@metadata({ azd: { type: 'location' } })
param location string

@description('Customer region this stamp serves (PRIVACY_REGION), e.g. eu or us.')
param region string

@description('Customer regions tenants may be created in (PRIVACY_REGIONS).')
param regions array = ['eu', 'us']

@description('Public API base URL per customer region, named in 421 answers; this stamp adds its own.')
param regionEndpoints object = {}

@description('PRIVACY_TENANT_GROUPS: JSON object, Entra group object id -> tenant id, list of tenant ids or "*" (tenant scope of admins; app roles cannot carry it). Empty: no group grants a scope.')
param tenantGroups string = ''

@description('Resource group name; default rg-<environmentName>.')
param resourceGroupName string = ''

@minLength(1)
@description('Application (client) id of the Entra ID app registration of the admin API (bicep/README.md).')
param authClientId string

@description('Entra ID tenant that issues admin tokens.')
param authTenantId string = tenant().tenantId

@description('Token audiences accepted by App Service Authentication; default api://<authClientId>.')
param authAudiences array = []

@description('Write freshly generated blind-index and transit secrets. Only for the first deployment of a stamp: azd flips it off through the PRIVACY_WRITE_INITIAL_SECRETS output.')
param writeInitialSecrets bool = false

// Deploy-time secret material: newGuid() is only allowed as a parameter default. Each secret is
// the standard base64 of 32 bytes the KeyProvider accepts: 43 hex digits of two GUIDs (hex digits
// are base64 characters) and '=', about 166 random bits. Never set these in a parameters file.
@secure()
param blindIndexSeedA string = newGuid() // checkov:skip=CKV_AZURE_131: a fresh newGuid() per deployment, not a hard-coded value; @secure keeps it out of the deployment history
@secure()
param blindIndexSeedB string = newGuid() // checkov:skip=CKV_AZURE_131: a fresh newGuid() per deployment, not a hard-coded value; @secure keeps it out of the deployment history
@secure()
param transitSeedA string = newGuid() // checkov:skip=CKV_AZURE_131: a fresh newGuid() per deployment, not a hard-coded value; @secure keeps it out of the deployment history
@secure()
param transitSeedB string = newGuid() // checkov:skip=CKV_AZURE_131: a fresh newGuid() per deployment, not a hard-coded value; @secure keeps it out of the deployment history

@description('Longest retention (days) a tenant may set per category (PRIVACY_RETENTION_CEILINGS).')
param retentionCeilings object = {
  behaviour: 395
  technical: 395
  conversation: 730
  audit: 3650
}

@description('Days an offboarding export stays downloadable (PRIVACY_EXPORT_WINDOW_DAYS and the blob lifecycle rule).')
param exportWindowDays int = 30

@description('Days a DSAR access export blob lives (lifecycle rule on exports/dsar/).')
param dsarExportDays int = 7

param ingestQueueName string = 'widget-ingest'
@minValue(1)
param ingestMaxDelivery int = 10
param cosmosServerless bool = true
param zoneRedundant bool = false
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100
@minValue(30)
param logRetentionDays int = 90
@description('Extra or replacement app settings, e.g. { PRIVACY_RETENTION_JOB_CRON: \'0 */5 * * * *\' }.')
param appSettingOverrides object = {}

@description('Private networking (bicep/README.md): a VNet for the stamp, the function app integrated with it (all outbound through it), private endpoints and private DNS zones for storage (blob, queue, table), Cosmos DB, Key Vault and Service Bus, and public network access off on those four. Service Bus becomes Premium (1 messaging unit), which private endpoints need. The function app itself stays public.')
param privateNetworking bool = false
@description('Address space of the stamp\'s VNet (privateNetworking only); must not overlap networks it will be peered with.')
param vnetAddressPrefix string = '10.40.0.0/16'
@description('Subnet for Flex Consumption VNet integration, inside vnetAddressPrefix.')
param appSubnetPrefix string = '10.40.0.0/24'
@description('Subnet for the private endpoints, inside vnetAddressPrefix.')
param privateEndpointSubnetPrefix string = '10.40.1.0/24'

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
  'privacy-region': region
}
var names = {
  resourceGroup: !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
  storage: 'st${resourceToken}'
  cosmos: 'cosmos-${resourceToken}'
  serviceBus: 'sb-${resourceToken}'
  vault: 'kv-${resourceToken}'
  logAnalytics: 'log-${resourceToken}'
  appInsights: 'appi-${resourceToken}'
  plan: 'plan-${resourceToken}'
  functionApp: 'func-${resourceToken}'
  vnet: 'vnet-${resourceToken}'
  appSubnet: 'snet-app' // Flex Consumption rejects underscores in the subnet name
  privateEndpointSubnet: 'snet-pe'
  appNsg: 'nsg-app-${resourceToken}'
  privateEndpointNsg: 'nsg-pe-${resourceToken}'
  deploymentContainer: 'app-package'
  exportsContainer: 'exports' // shared/services/dsar_export.py CONTAINER; blobs under dsar/ and offboarding/
}
// Storage, Cosmos DB, Key Vault and Service Bus: public endpoint off with private networking
// (the function app stays public: browsers call the widget endpoints). Named apart from the
// modules' publicNetworkAccess parameter: checkov resolves names across files, and this
// conditional would then reach (and crash) its checks of those modules.
var dataPublicNetworkAccess = privateNetworking ? 'Disabled' : 'Enabled'
var audiences = empty(authAudiences) ? ['api://${authClientId}'] : authAudiences
var blindIndexHex = '${replace(blindIndexSeedA, '-', '')}${replace(blindIndexSeedB, '-', '')}'
var transitHex = '${replace(transitSeedA, '-', '')}${replace(transitSeedB, '-', '')}'

// Private endpoints of the stamp (privateNetworking): the service (a key of privateLinkIds and
// names), its sub-resource and that sub-resource's private DNS zone. The Functions host uses
// blob, queue and table (AzureWebJobsStorage, Durable task hub); the deployment container and
// the exports are blobs.
var privateLinks = [
  { service: 'storage', groupId: 'blob', zone: 'privatelink.blob.core.windows.net' }
  { service: 'storage', groupId: 'queue', zone: 'privatelink.queue.core.windows.net' }
  { service: 'storage', groupId: 'table', zone: 'privatelink.table.core.windows.net' }
  { service: 'cosmos', groupId: 'Sql', zone: 'privatelink.documents.azure.com' }
  { service: 'vault', groupId: 'vault', zone: 'privatelink.vaultcore.azure.net' }
  { service: 'serviceBus', groupId: 'namespace', zone: 'privatelink.servicebus.windows.net' }
]

// Built-in Azure RBAC roles of the app identity, each on one resource (core/role.bicep).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
  keyVaultCryptoServiceEncryptionUser: 'e147488a-f6f5-4113-8e2d-b22465e65bf6'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: names.resourceGroup
  location: location
  tags: tags
}

module monitoring 'core/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    location: location
    tags: tags
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.appInsights
    retentionInDays: logRetentionDays
  }
}

module storage 'core/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    location: location
    tags: tags
    name: names.storage
    logAnalyticsId: monitoring.outputs.logAnalyticsId
    publicNetworkAccess: dataPublicNetworkAccess
    containers: [
      { name: names.deploymentContainer }
      { name: names.exportsContainer }
    ]
    deleteRules: [
      {
        name: 'delete-dsar-exports'
        prefix: '${names.exportsContainer}/dsar/'
        days: dsarExportDays
      }
      {
        name: 'delete-offboarding-exports'
        prefix: '${names.exportsContainer}/offboarding/'
        days: exportWindowDays
      }
    ]
  }
}

module cosmos 'core/cosmos.bicep' = {
  name: 'cosmos'
  scope: rg
  params: {
    location: location
    tags: tags
    name: names.cosmos
    logAnalyticsId: monitoring.outputs.logAnalyticsId
    serverless: cosmosServerless
    zoneRedundant: zoneRedundant
    publicNetworkAccess: dataPublicNetworkAccess
  }
}

module serviceBus 'core/servicebus.bicep' = {
  name: 'servicebus'
  scope: rg
  params: {
    location: location
    tags: tags
    name: names.serviceBus
    logAnalyticsId: monitoring.outputs.logAnalyticsId
    // Private endpoints need Premium; Standard otherwise (no per-hour messaging unit cost).
    skuName: privateNetworking ? 'Premium' : 'Standard'
    premiumCapacity: 1
    publicNetworkAccess: dataPublicNetworkAccess
    queues: [
      {
        name: ingestQueueName
        maxDeliveryCount: ingestMaxDelivery
        lockDuration: 'PT1M'
        defaultMessageTimeToLive: 'P14D'
      }
    ]
  }
}

module vault 'core/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    location: location
    tags: tags
    name: names.vault
    logAnalyticsId: monitoring.outputs.logAnalyticsId
    publicNetworkAccess: dataPublicNetworkAccess
  }
}

module network 'core/network.bicep' = if (privateNetworking) {
  name: 'network'
  scope: rg
  params: {
    location: location
    tags: tags
    name: names.vnet
    addressPrefix: vnetAddressPrefix
    appSubnetName: names.appSubnet
    appSubnetPrefix: appSubnetPrefix
    privateEndpointSubnetName: names.privateEndpointSubnet
    privateEndpointSubnetPrefix: privateEndpointSubnetPrefix
    appNsgName: names.appNsg
    privateEndpointNsgName: names.privateEndpointNsg
  }
}

var privateLinkIds = {
  storage: storage.outputs.id
  cosmos: cosmos.outputs.id
  vault: vault.outputs.id
  serviceBus: serviceBus.outputs.id
}

module privateEndpoints 'core/private-endpoint.bicep' = [for link in privateLinks: if (privateNetworking) {
  name: 'private-endpoint-${toLower(link.groupId)}'
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'pe-${names[link.service]}-${toLower(link.groupId)}'
    privateLinkServiceId: privateLinkIds[link.service]
    groupId: link.groupId
    privateDnsZoneName: link.zone
    subnetId: privateNetworking ? network.outputs.privateEndpointSubnetId : ''
    virtualNetworkId: privateNetworking ? network.outputs.id : ''
    virtualNetworkLinkName: names.vnet
  }
}]

module vaultContent 'app/vault-content.bicep' = {
  name: 'vault-content'
  scope: rg
  params: {
    vaultName: vault.outputs.name
    writeInitialSecrets: writeInitialSecrets
    blindIndexKey: '${take(blindIndexHex, 43)}='
    transitKey: '${take(transitHex, 43)}='
  }
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    location: location
    tags: tags
    planName: names.plan
    name: names.functionApp
    storageAccountName: storage.outputs.name
    deploymentContainerName: names.deploymentContainer
    exportsContainerName: names.exportsContainer
    blobEndpoint: storage.outputs.blobEndpoint
    cosmosEndpoint: cosmos.outputs.endpoint
    serviceBusName: serviceBus.outputs.name
    vaultUri: vault.outputs.uri
    kekName: vaultContent.outputs.kekName
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    logAnalyticsId: monitoring.outputs.logAnalyticsId
    region: region
    regions: regions
    regionEndpoints: regionEndpoints
    tenantGroups: tenantGroups
    exportLinks: !privateNetworking
    ingestQueueName: ingestQueueName
    ingestMaxDelivery: ingestMaxDelivery
    retentionCeilings: retentionCeilings
    exportWindowDays: exportWindowDays
    authClientId: authClientId
    authTenantId: authTenantId
    authAudiences: audiences
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    zoneRedundant: zoneRedundant
    appSettingOverrides: appSettingOverrides
    virtualNetworkSubnetId: privateNetworking ? network.outputs.appSubnetId : ''
  }
  // With private networking the host reaches storage only through the private endpoints:
  // create them (and their DNS records) before the app starts.
  dependsOn: [privateEndpoints]
}

module cosmosData 'app/cosmos-data.bicep' = {
  name: 'cosmos-data'
  scope: rg
  params: {
    accountName: cosmos.outputs.name
    principalId: api.outputs.principalId
  }
}

module appRoles 'core/role.bicep' = {
  name: 'app-roles'
  scope: rg
  params: {
    principalId: api.outputs.principalId
    assignments: [
      // Host storage (AzureWebJobsStorage), the deployment package and user-delegation SAS for exports.
      {
        kind: 'storage'
        name: storage.outputs.name
        roleId: roles.storageBlobDataOwner
      }
      // Durable Functions task hub (queues and tables) and timer/host state.
      {
        kind: 'storage'
        name: storage.outputs.name
        roleId: roles.storageQueueDataContributor
      }
      {
        kind: 'storage'
        name: storage.outputs.name
        roleId: roles.storageTableDataContributor
      }
      // The ingest queue only (send from HTTP, receive and dead-letter in the processor).
      {
        kind: 'serviceBusQueue'
        name: '${serviceBus.outputs.name}/${ingestQueueName}'
        roleId: roles.serviceBusDataSender
      }
      {
        kind: 'serviceBusQueue'
        name: '${serviceBus.outputs.name}/${ingestQueueName}'
        roleId: roles.serviceBusDataReceiver
      }
      // Read the KEK and wrap/unwrap with it (nothing else); read the blind-index and transit secrets.
      {
        kind: 'keyVault'
        name: vault.outputs.name
        roleId: roles.keyVaultCryptoServiceEncryptionUser
      }
      {
        kind: 'keyVault'
        name: vault.outputs.name
        roleId: roles.keyVaultSecretsUser
      }
      // Telemetry with Entra ID (Application Insights local auth is off).
      {
        kind: 'appInsights'
        name: monitoring.outputs.applicationInsightsName
        roleId: roles.monitoringMetricsPublisher
      }
    ]
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = api.outputs.uri
output PRIVACY_REGION string = region
output COSMOS__accountEndpoint string = cosmos.outputs.endpoint
output SERVICEBUS__fullyQualifiedNamespace string = '${serviceBus.outputs.name}.servicebus.windows.net'
output KEYVAULT__vaultUri string = vault.outputs.uri
output EXPORTS__blobServiceUri string = storage.outputs.blobEndpoint
// azd stores outputs in the environment: the next provision passes false, so the secrets
// written on the first deployment are never overwritten.
output PRIVACY_WRITE_INITIAL_SECRETS bool = false
