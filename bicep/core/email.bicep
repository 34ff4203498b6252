// E-mail for the app (DSAR confirmations, escalations to the on-call address): an Email
// Communication Service with an Azure-managed domain, linked to a Communication Service the app
// reaches with its managed identity (access keys off), both storing data at rest in the
// stamp's data location. Plus the custom role that lets an identity send through it and
// nothing else (bicep/README.md, "E-mail").
param tags object
param emailServiceName string
param communicationServiceName string
@description('Where ACS keeps data at rest: "Europe" for the EU stamp, "United States" for the US one (main.bicep derives it from privacyRegion).')
param dataLocation string
param logAnalyticsId string

// The only actions the ACS e-mail send path checks with Entra ID (Microsoft Learn, "Assign a
// role to a Microsoft Entra application for SMTP authentication"; the REST send behind
// azure-communication-email authorises the same way). Not the built-in "Communication and
// Email Service Owner": it also lists and regenerates the access keys and deletes resources.
var senderActions = [
  'Microsoft.Communication/CommunicationServices/Read'
  'Microsoft.Communication/CommunicationServices/Write'
  'Microsoft.Communication/EmailServices/write'
]

resource emailService 'Microsoft.Communication/emailServices@2025-05-01' = {
  name: emailServiceName
  location: 'global' // the service is global; dataLocation decides where data rests
  tags: tags
  properties: {
    dataLocation: dataLocation
  }
}

// Azure-managed subdomain (<guid>.azurecomm.net): verified by Azure, DoNotReply@ it is a valid
// sender from the start. The name is fixed for this kind of domain.
resource managedDomain 'Microsoft.Communication/emailServices/domains@2025-05-01' = {
  parent: emailService
  name: 'AzureManagedDomain'
  location: 'global'
  tags: tags
  properties: {
    domainManagement: 'AzureManaged'
    // No open/click tracking: recipients are data subjects and tenant staff, not a campaign.
    userEngagementTracking: 'Disabled'
  }
}

resource communicationService 'Microsoft.Communication/communicationServices@2025-05-01' = {
  name: communicationServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    linkedDomains: [managedDomain.id]
    // Entra ID only: no access key or connection string can send mail from this stamp.
    disableLocalAuth: true
  }
}

// Send-mail operations (counts and sizes, no addresses) and metrics. The status-update and
// engagement categories carry a recipient id per message: left out, so the workspace holds no
// recipient addresses.
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: communicationService
  properties: {
    workspaceId: logAnalyticsId
    logs: [{ category: 'EmailSendMailOperational', enabled: true }]
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

// Custom roles are named per directory: the resource group id in the name keeps the EU and the
// US stamp (and any other subscription's) from colliding.
resource senderRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, 'privacy-email-sender')
  properties: {
    roleName: 'Privacy email sender (${resourceGroup().name} ${uniqueString(resourceGroup().id)})'
    description: 'Send e-mail through this stamp\'s Communication Service with Entra ID; no keys, no deletes.'
    type: 'CustomRole'
    assignableScopes: [resourceGroup().id]
    permissions: [
      {
        actions: senderActions
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
  }
}

output communicationServiceName string = communicationService.name
output endpoint string = 'https://${communicationService.properties.hostName}'
output sender string = 'DoNotReply@${managedDomain.properties.mailFromSenderDomain}'
@description('GUID of the custom sender role (core/role.bicep assigns it on the Communication Service).')
output senderRoleId string = senderRole.name
