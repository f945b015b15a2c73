/**
 * Where the functions run: an imported VPC and its private subnets (vpcId, subnetIds, …), or a small
 * VPC of private isolated subnets for a dev stage (createVpc=true). The functions' security group
 * sends traffic to the Oracle listener (oracleCidr:oraclePort) and, on 443, to S3 through the gateway
 * endpoint (its managed prefix list) and to the SSM and SNS interface endpoints (their security group)
 * or the VPC's own endpoints (httpsEgressCidrs); nothing else leaves it. SNS is where run-colors
 * announces each run (lib/run-notifications.ts).
 *
 * Endpoints are created by default only in a created VPC: an imported one usually has them already,
 * and a second SSM endpoint with private DNS, or a second S3 gateway route, fails the deploy. The
 * functions never call KMS themselves (SSM and S3 do, on their behalf), so a KMS endpoint is made
 * only on request (createKmsEndpoint).
 */
import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { MarketPulseConfig } from './context.js';
import { type LogGroupSettings, stageLogGroup } from './log-groups.js';
import { acknowledge } from './nag.js';

export type NetworkConfig = Pick<
  MarketPulseConfig,
  | 'createVpc'
  | 'vpcCidr'
  | 'vpcId'
  | 'subnetIds'
  | 'availabilityZones'
  | 'routeTableIds'
  | 'createVpcEndpoints'
  | 'createKmsEndpoint'
  | 'httpsEgressCidrs'
  | 'oracleCidr'
  | 'oraclePort'
>;

export interface NetworkProps {
  readonly config: NetworkConfig;
  /** Where a created VPC's flow logs go. */
  readonly flowLogBucket: s3.IBucket;
  readonly logs: LogGroupSettings;
}

export class Network extends Construct {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly functionSecurityGroup: ec2.SecurityGroup;
  readonly endpointSecurityGroup: ec2.SecurityGroup | undefined;
  readonly createdVpc: ec2.Vpc | undefined;
  /** Looks up the id of the region's S3 managed prefix list at deploy time (no lookup at synth). */
  readonly s3PrefixList: cr.AwsCustomResource;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const { config } = props;
    if (config.createVpc) {
      const vpcPrefix = Number(config.vpcCidr.split('/')[1]);
      this.createdVpc = new ec2.Vpc(this, 'Vpc', {
        ipAddresses: ec2.IpAddresses.cidr(config.vpcCidr),
        maxAzs: 2,
        natGateways: 0,
        subnetConfiguration: [{ name: 'private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: Math.min(28, vpcPrefix + 2) }],
        // Nothing here uses the default security group; restricting it would cost a custom-resource Lambda.
        restrictDefaultSecurityGroup: false,
        flowLogs: {
          s3: { destination: ec2.FlowLogDestination.toS3(props.flowLogBucket, 'vpc-flow-logs/'), trafficType: ec2.FlowLogTrafficType.ALL },
        },
      });
      this.vpc = this.createdVpc;
      this.subnets = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    } else {
      // Checked by the context schema: present, and one zone (and route table) per subnet.
      const subnetIds = config.subnetIds ?? [];
      this.vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
        vpcId: config.vpcId ?? '',
        availabilityZones: config.availabilityZones ?? [],
        privateSubnetIds: subnetIds,
        ...(config.routeTableIds ? { privateSubnetRouteTableIds: config.routeTableIds } : {}),
      });
      this.subnets = { subnets: this.vpc.privateSubnets };
    }

    this.functionSecurityGroup = new ec2.SecurityGroup(this, 'FunctionSecurityGroup', {
      vpc: this.vpc,
      allowAllOutbound: false,
      description: 'market-pulse functions: Oracle listener, and HTTPS to the S3 and SSM endpoints only',
    });
    this.functionSecurityGroup.addEgressRule(ec2.Peer.ipv4(config.oracleCidr), ec2.Port.tcp(config.oraclePort), 'Oracle listener');

    this.s3PrefixList = new cr.AwsCustomResource(this, 'S3PrefixList', {
      onUpdate: {
        service: 'EC2',
        action: 'describeManagedPrefixLists',
        parameters: { Filters: [{ Name: 'prefix-list-name', Values: [`com.amazonaws.${Stack.of(this).region}.s3`] }] },
        physicalResourceId: cr.PhysicalResourceId.of(`s3-prefix-list-${Stack.of(this).region}`),
        outputPaths: ['PrefixLists.0.PrefixListId'],
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ['ec2:DescribeManagedPrefixLists'], resources: ['*'] }),
      ]),
      installLatestAwsSdk: false,
      logGroup: stageLogGroup(this, 'S3PrefixListLogs', props.logs),
    });
    acknowledge(
      this.s3PrefixList,
      'AwsSolutions-IAM5[Resource::*]',
      'ec2:DescribeManagedPrefixLists supports no resource-level permissions; it is read-only and used once per deploy ' +
        'to find the id of the S3 prefix list the security group allows.',
    );
    // The provider Lambda CDK shares between all AwsCustomResources of the stack.
    const provider = Stack.of(this).node.tryFindChild(cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '').replace(/^/, 'AWS'));
    if (provider) {
      acknowledge(
        provider,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        "CDK's AwsCustomResource provider (here only for the prefix-list lookup above) comes with AWSLambdaBasicExecutionRole " +
          'for its logs; its role has no other managed policy and CDK offers no way to replace it.',
      );
    }
    this.functionSecurityGroup.addEgressRule(
      ec2.Peer.prefixList(this.s3PrefixList.getResponseField('PrefixLists.0.PrefixListId')),
      ec2.Port.tcp(443),
      'S3 through the gateway endpoint',
    );

    if (config.createVpcEndpoints) {
      this.vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3, subnets: [this.subnets] });
      this.endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
        vpc: this.vpc,
        allowAllOutbound: false,
        description: 'market-pulse interface endpoints: HTTPS from the functions only',
      });
      const services: [string, ec2.InterfaceVpcEndpointAwsService][] = [
        ['Ssm', ec2.InterfaceVpcEndpointAwsService.SSM],
        ['Sns', ec2.InterfaceVpcEndpointAwsService.SNS],
      ];
      if (config.createKmsEndpoint) services.push(['Kms', ec2.InterfaceVpcEndpointAwsService.KMS]);
      for (const [name, service] of services) {
        this.vpc.addInterfaceEndpoint(name, {
          service,
          subnets: this.subnets,
          securityGroups: [this.endpointSecurityGroup],
          privateDnsEnabled: true,
          open: false,
        });
      }
      this.functionSecurityGroup.connections.allowTo(this.endpointSecurityGroup, ec2.Port.tcp(443), 'interface endpoints');
    } else {
      // The VPC already has its endpoints (or another route to them): HTTPS to where they are.
      for (const cidr of config.httpsEgressCidrs ?? []) {
        this.functionSecurityGroup.addEgressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(443), 'existing SSM and SNS endpoints');
      }
    }
  }
}
