// The stamp's virtual network (only with privateNetworking): one subnet delegated to
// Microsoft.App/environments for Flex Consumption VNet integration (outbound from the app) and
// one for the private endpoints of storage, Cosmos DB, Key Vault and Service Bus. Each subnet
// has its own network security group. DNS stays Azure-provided, so the private DNS zones
// linked to this network (core/private-endpoint.bicep) resolve the services' private addresses.
param location string
param tags object
param name string
@description('Address space of the network, e.g. 10.40.0.0/16.')
param addressPrefix string
@description('Subnet name for Flex Consumption VNet integration (no underscores: Flex rejects them).')
param appSubnetName string
@description('Address prefix of the integration subnet, inside addressPrefix.')
param appSubnetPrefix string
@description('Subnet name for the private endpoints.')
param privateEndpointSubnetName string
@description('Address prefix of the private endpoint subnet, inside addressPrefix.')
param privateEndpointSubnetPrefix string
param appNsgName string
param privateEndpointNsgName string

// The integration subnet carries only the app's outbound traffic (nothing listens in it), so
// the default rules suffice: inbound from the internet is denied, outbound is allowed
// (Application Insights ingestion and Entra ID go to public endpoints).
resource appNsg 'Microsoft.Network/networkSecurityGroups@2023-11-01' = {
  name: appNsgName
  location: location
  tags: tags
  properties: {
    securityRules: []
  }
}

// Private endpoints answer only HTTPS (storage, Cosmos DB gateway, Key Vault, Service Bus over
// WebSockets) and AMQP (Service Bus clients and the Functions trigger) from inside the network.
resource privateEndpointNsg 'Microsoft.Network/networkSecurityGroups@2023-11-01' = {
  name: privateEndpointNsgName
  location: location
  tags: tags
  properties: {
    securityRules: [
      {
        name: 'allow-vnet-https-amqp'
        properties: {
          priority: 100
          direction: 'Inbound'
          access: 'Allow'
          protocol: 'Tcp'
          sourceAddressPrefix: 'VirtualNetwork'
          sourcePortRange: '*'
          destinationAddressPrefix: privateEndpointSubnetPrefix
          destinationPortRanges: ['443', '5671', '5672']
        }
      }
      {
        name: 'deny-other-inbound'
        properties: {
          priority: 4000
          direction: 'Inbound'
          access: 'Deny'
          protocol: '*'
          sourceAddressPrefix: '*'
          sourcePortRange: '*'
          destinationAddressPrefix: '*'
          destinationPortRange: '*'
        }
      }
    ]
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2023-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [addressPrefix]
    }
    subnets: [
      {
        name: appSubnetName
        properties: {
          addressPrefix: appSubnetPrefix
          networkSecurityGroup: {
            id: appNsg.id
          }
          delegations: [
            {
              name: 'flex-consumption'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
          // Explicit, so a later platform default cannot cut the app's telemetry egress; put a
          // NAT gateway here for a fixed outbound address.
          defaultOutboundAccess: true
        }
      }
      {
        name: privateEndpointSubnetName
        properties: {
          addressPrefix: privateEndpointSubnetPrefix
          networkSecurityGroup: {
            id: privateEndpointNsg.id
          }
          // Apply the NSG above to the private endpoints (off by default for endpoints).
          privateEndpointNetworkPolicies: 'NetworkSecurityGroupEnabled'
          privateLinkServiceNetworkPolicies: 'Enabled'
          defaultOutboundAccess: false
        }
      }
    ]
  }
}

output id string = vnet.id
output name string = vnet.name
output appSubnetId string = '${vnet.id}/subnets/${appSubnetName}'
output privateEndpointSubnetId string = '${vnet.id}/subnets/${privateEndpointSubnetName}'
