import { Fn } from "cdktf";
import { Construct } from "constructs";
import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
import { AcmCertificateValidation } from "@cdktf/provider-aws/lib/acm-certificate-validation";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";

export interface CertificateProps {
  /** The names the certificate covers; the first is its subject. */
  hostnames: string[];
  /** The Route 53 hosted zone that holds the validation records. */
  hostedZoneId: string;
}

/**
 * An ACM certificate validated through DNS records in the hosted zone.
 * `certificateArn` is the validated one: a listener using it waits for validation.
 */
export class Certificate extends Construct {
  readonly certificateArn: string;

  constructor(scope: Construct, id: string, props: CertificateProps) {
    super(scope, id);
    const [subject, ...alternatives] = props.hostnames;
    const certificate = new AcmCertificate(this, "certificate", {
      domainName: subject,
      subjectAlternativeNames: alternatives.length > 0 ? alternatives : undefined,
      validationMethod: "DNS",
      // A renamed certificate is replaced without taking the listener's away first.
      lifecycle: { createBeforeDestroy: true },
    });
    // One record per name; names that share a record (a.example.com and *.example.com) overwrite it harmlessly.
    const records = props.hostnames.map((_, i) => {
      const option = (field: string) => Fn.lookup(Fn.element(Fn.tolist(certificate.domainValidationOptions), i), field);
      return new Route53Record(this, `validation-${i}`, {
        zoneId: props.hostedZoneId,
        name: option("resource_record_name"),
        type: option("resource_record_type"),
        records: [option("resource_record_value")],
        ttl: 300,
        allowOverwrite: true,
      });
    });
    const validation = new AcmCertificateValidation(this, "validation", {
      certificateArn: certificate.arn,
      validationRecordFqdns: records.map((r) => r.fqdn),
    });
    this.certificateArn = validation.certificateArn;
  }
}
