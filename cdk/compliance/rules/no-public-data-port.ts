import { asArray, compliantIf, isRecord, RuleCompliance, type TemplateRule } from '../rule';

const PUBLIC_CIDRS = new Set(['0.0.0.0/0', '::/0']);
/** The only ports the internet may reach: the load balancer's HTTP and HTTPS. */
const WEB_PORTS = new Set([80, 443]);

function opensDataPortToInternet(rule: unknown): boolean {
  if (!isRecord(rule)) return false;
  const cidr = rule.CidrIp ?? rule.CidrIpv6;
  if (typeof cidr !== 'string' || !PUBLIC_CIDRS.has(cidr)) return false;
  const from = Number(rule.FromPort ?? -1);
  const to = Number(rule.ToPort ?? -1);
  return !(from === to && WEB_PORTS.has(from));
}

/** No security group opens anything but 80/443 to 0.0.0.0/0 or ::/0 (so never a data port). */
export const noPublicDataPort: TemplateRule = {
  id: 'Lifeline-NoPublicDataPort',
  description: 'Security groups must not open ports other than 80/443 to the internet',
  check: ({ Type, Properties: p = {} }) => {
    if (Type === 'AWS::EC2::SecurityGroup') return compliantIf(!asArray(p.SecurityGroupIngress).some(opensDataPortToInternet));
    if (Type === 'AWS::EC2::SecurityGroupIngress') return compliantIf(!opensDataPortToInternet(p));
    return RuleCompliance.NOT_APPLICABLE;
  },
};
