// One regional stamp of the privacy backbone: a resource group holding the function app and
// every store of one customer region (EU, US, ...). Deploy once per region with azd (azure.yaml)
// and that region's parameters file. Tenants' data, keys, exports and queues stay in the stamp.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; with the subscription and location it seeds the resource names.')
param environmentName string

@minLength(1)
@description('Azure region of the stamp; must offer Flex Consumption and be one of the privacy region\'s placements (below).')
@metadata({ azd: { type: 'location' } })
param location string

@description('Customer region this stamp serves (PRIVACY_REGION): eu or us. The stamp refuses to deploy to a location outside that region (placements, below).')
@allowed(['eu', 'us'])
param privacyRegion string

@description('Customer regions tenants may be created in (PRIVACY_REGIONS).')
param regions array = ['eu', 'us']

@description('Public API base URL per customer region, named in 421 answers; this stamp adds its own.')
param regionEndpoints object = {}

@description('PRIVACY_TENANT_GROUPS: Entra group object id -> tenant id, list of tenant ids or "*" (tenant scope of admins; app roles cannot carry it). An object, so azd parses the variable as JSON (a string parameter would get the JSON pasted raw). Empty: no group grants a scope.')
param tenantGroups object = {}

@description('Resource group name; default rg-<environmentName>.')
param resourceGroupName string = ''

@minLength(1)
@description('Application (client) id of the Entra ID app registration of the admin API (bicep/README.md).')
param authClientId string

@description('Entra ID tenant that issues admin tokens.')
param authTenantId string = tenant().tenantId

@description('Token audiences accepted by App Service Authentication; default api://<authClientId>.')
param authAudiences array = []

@description('Write freshly generated blind-index and transit secrets. Only when the vault has neither: the azd preprovision hook (infra/hooks/preprovision.sh) sets it from what the vault holds; a rewrite would make a new version of a key that data depends on.')
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

@description('Queue that wakes the notification dispatcher (webhooks and e-mail) after a change wrote an outbox event; a timer is its backstop.')
param notifyQueueName string = 'notify'
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
@description('Diagnostic settings on the function app. Listed as not supported on Flex Consumption: off by default; function logs reach Log Analytics through Application Insights.')
param functionAppDiagnostics bool = false
@description('Extra or replacement app settings, e.g. { PRIVACY_RETENTION_JOB_CRON: \'0 */5 * * * *\' }.')
param appSettingOverrides object = {}

@minLength(3)
@description('The platform\'s on-call address (PRIVACY_ONCALL_EMAIL): app escalations and the stamp\'s alert rules mail it.')
param oncallEmail string
@minValue(1)
@description('Refused admin calls in 15 minutes that raise the access-denied alert (bicep/README.md, Alerts).')
param accessDeniedAlertThreshold int = 20
@minValue(1)
@maxValue(100)
@description('Percentage of 5xx answers over 15 minutes that raises the server-error alert.')
param serverErrorAlertPercent int = 5

@description('Private networking (bicep/README.md): a VNet for the stamp, the function app integrated with it (all outbound through it), private endpoints and private DNS zones for storage (blob, queue, table), Cosmos DB, Key Vault and Service Bus, and public network access off on those four. Service Bus becomes Premium (1 messaging unit), which private endpoints need. The function app itself stays public.')
param privateNetworking bool = false
@description('Address space of the stamp\'s VNet (privateNetworking only); must not overlap networks it will be peered with.')
param vnetAddressPrefix string = '10.40.0.0/16'
@description('Subnet for Flex Consumption VNet integration, inside vnetAddressPrefix.')
param appSubnetPrefix string = '10.40.0.0/24'
@description('Subnet for the private endpoints, inside vnetAddressPrefix.')
param privateEndpointSubnetPrefix string = '10.40.1.0/24'

// EU by default (issue 16): each customer region lists the Azure locations its stamp may run
// in. EU: regions in EU member states only (not the UK, Switzerland or Norway, even with an
// adequacy decision or EEA membership: add them here deliberately, in review, if the
// controllers accept them). A location is compared in its canonical form ('West Europe' and
// 'westeurope' are the same). Widening it is a code change, not a parameter, on purpose.
var placements = {
  eu: [
    'westeurope'
    'northeurope'
    'francecentral'
    'francesouth'
    'germanywestcentral'
    'germanynorth'
    'swedencentral'
    'swedensouth'
    'italynorth'
    'polandcentral'
    'spaincentral'
    'austriaeast'
    'belgiumcentral'
    'denmarkeast'
  ]
  us: [
    'eastus'
    'eastus2'
    'centralus'
    'northcentralus'
    'southcentralus'
    'westcentralus'
    'westus'
    'westus2'
    'westus3'
  ]
}
// Azure Communication Services keeps e-mail data at rest in this geography.
var mailDataLocations = {
  eu: 'Europe'
  us: 'United States'
}
var canonicalLocation = toLower(replace(location, ' ', ''))
// The guard: outside the list, the else branch reads a property placements does not have, and
// ARM stops the deployment with "The language expression property '<placementError>' doesn't
// exist" before anything is created: ARM's if() evaluates only the branch it takes, and the
// resource group's tag (below) reads placedRegion. string() only gives both branches one type.
// pycep-parser 0.5.1, which the offline checks use, does not know Bicep's fail(); this lookup
// is the same stop in syntax it parses.
var placementError = '${location} is outside the Azure locations allowed for privacy region ${privacyRegion} (bicep/README.md, EU placement)'
var placedRegion = contains(placements[privacyRegion], canonicalLocation) ? privacyRegion : string(placements[placementError])

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
  'privacy-region': placedRegion
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
  emailService: 'acs-email-${resourceToken}'
  communicationService: 'acs-${resourceToken}'
  actionGroup: 'ag-oncall-${resourceToken}'
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
// names) and its sub-resource; the zone of each sub-resource is in privateDnsZones. The
// Functions host uses blob, queue and table (AzureWebJobsStorage, Durable task hub); the
// deployment container and the exports are blobs. The loop runs over this constant list (a
// for-expression must be computable at the start of the deployment).
var privateLinks = [
  { service: 'storage', groupId: 'blob' }
  { service: 'storage', groupId: 'queue' }
  { service: 'storage', groupId: 'table' }
  { service: 'cosmos', groupId: 'Sql' }
  { service: 'vault', groupId: 'vault' }
  { service: 'serviceBus', groupId: 'namespace' }
]

// Built-in Azure RBAC roles of the app identity, each on one resource (core/role.bicep).
var roles = {
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  serviceBusDataOwner: '090c5cfd-751d-490a-894a-3ce6f1109419'
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
      {
        // Wake-ups only (an outbox reference, no payload): the outbox documents are the
        // truth and the backstop timer relays any whose wake-up was lost or dead-lettered.
        name: notifyQueueName
        maxDeliveryCount: 10
        lockDuration: 'PT1M'
        defaultMessageTimeToLive: 'P1D'
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
// Private DNS zone per sub-resource, from the cloud's suffixes or the service's own endpoint,
// so sovereign clouds get theirs (privatelink.blob.core.chinacloudapi.cn, ...).
var privateDnsZones = {
  blob: 'privatelink.blob.${environment().suffixes.storage}'
  queue: 'privatelink.queue.${environment().suffixes.storage}'
  table: 'privatelink.table.${environment().suffixes.storage}'
  Sql: cosmos.outputs.privateDnsZoneName
  vault: vault.outputs.privateDnsZoneName
  namespace: serviceBus.outputs.privateDnsZoneName
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
    privateDnsZoneName: privateDnsZones[link.groupId]
    // network exists whenever this module does (same condition): '!' says so to the compiler
    subnetId: privateNetworking ? network!.outputs.privateEndpointSubnetId : ''
    virtualNetworkId: privateNetworking ? network!.outputs.id : ''
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

// E-mail through Azure Communication Services (bicep/README.md, "E-mail"): the app identity
// sends with the custom sender role (appRoles, below); no key exists to leak.
module email 'core/email.bicep' = {
  name: 'email'
  scope: rg
  params: {
    tags: tags
    emailServiceName: names.emailService
    communicationServiceName: names.communicationService
    dataLocation: mailDataLocations[placedRegion]
    logAnalyticsId: monitoring.outputs.logAnalyticsId
  }
}

// Alerts to the on-call address (bicep/README.md, "Alerts").
module alerts 'core/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    location: location
    tags: tags
    actionGroupName: names.actionGroup
    oncallEmail: oncallEmail
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    serviceBusNamespaceId: serviceBus.outputs.id
    ingestQueueName: ingestQueueName
    accessDeniedThreshold: accessDeniedAlertThreshold
    serverErrorPercent: serverErrorAlertPercent
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
    serviceBusFullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
    vaultUri: vault.outputs.uri
    kekName: vaultContent.outputs.kekName
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    logAnalyticsId: monitoring.outputs.logAnalyticsId
    functionAppDiagnostics: functionAppDiagnostics
    region: placedRegion
    regions: regions
    regionEndpoints: regionEndpoints
    tenantGroups: tenantGroups
    exportLinks: !privateNetworking
    ingestQueueName: ingestQueueName
    notifyQueueName: notifyQueueName
    ingestMaxDelivery: ingestMaxDelivery
    retentionCeilings: retentionCeilings
    exportWindowDays: exportWindowDays
    authClientId: authClientId
    authTenantId: authTenantId
    authAudiences: audiences
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    zoneRedundant: zoneRedundant
    mailEndpoint: email.outputs.endpoint
    mailSender: email.outputs.sender
    oncallEmail: oncallEmail
    appSettingOverrides: appSettingOverrides
    virtualNetworkSubnetId: privateNetworking ? network!.outputs.appSubnetId : ''
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
      // Blobs: host storage (AzureWebJobsStorage: leases, keys), the Durable task hub's large
      // messages and leases, reading the deployment package, and the exports (write, read,
      // delete). Contributor is enough: it holds blobServices/generateUserDelegationKey/action
      // for the 15-minute export links; Owner would add only POSIX ACLs and super-user rights
      // this app never uses.
      {
        kind: 'storage'
        name: storage.outputs.name
        roleId: roles.storageBlobDataContributor
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
      // The ingest queue only: send from HTTP, receive and dead-letter in the processor, and
      // read the queue's length. Data Owner, because with send/receive (SAS "Listen") rights the
      // scale controller cannot read the queue length and scales inaccurately: a Flex app at
      // zero instances may not wake (Functions docs, "Scale efficiency"). Scoped to this queue.
      {
        kind: 'serviceBusQueue'
        namespace: serviceBus.outputs.name
        name: ingestQueueName
        roleId: roles.serviceBusDataOwner
      }
      // The notify queue likewise (sent after outbox writes, received by the dispatcher).
      {
        kind: 'serviceBusQueue'
        namespace: serviceBus.outputs.name
        name: notifyQueueName
        roleId: roles.serviceBusDataOwner
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
      // Send e-mail and nothing else: the custom role of core/email.bicep (no key listing, no
      // deletes), on the Communication Service only.
      {
        kind: 'communication'
        name: email.outputs.communicationServiceName
        roleId: email.outputs.senderRoleId
      }
    ]
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output AZURE_FUNCTION_NAME string = api.outputs.name
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = api.outputs.uri
output PRIVACY_REGION string = placedRegion
output COSMOS__accountEndpoint string = cosmos.outputs.endpoint
output SERVICEBUS__fullyQualifiedNamespace string = serviceBus.outputs.fullyQualifiedNamespace
output KEYVAULT__vaultUri string = vault.outputs.uri
output EXPORTS__blobServiceUri string = storage.outputs.blobEndpoint
output PRIVACY_MAIL_ENDPOINT string = email.outputs.endpoint
output PRIVACY_MAIL_SENDER string = email.outputs.sender
