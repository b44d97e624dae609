/**
 * The SNS topic every Baton alarm notifies, encrypted with the stack key (CloudWatch cannot publish
 * to a topic under the AWS managed SNS key), TLS only, with an optional email subscription.
 */
import { ServicePrincipal } from "aws-cdk-lib/aws-iam";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import { Construct } from "constructs";

export interface AlarmTopicProps {
  readonly topicName: string;
  readonly encryptionKey: IKey;
  /** Receives every alarm notification (after confirming the subscription). @default none */
  readonly email?: string;
}

export class AlarmTopic extends Construct {
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    this.topic = new Topic(this, "Topic", {
      topicName: props.topicName,
      displayName: "Baton alarms",
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    props.encryptionKey.grant(
      new ServicePrincipal("cloudwatch.amazonaws.com"),
      "kms:Decrypt",
      "kms:GenerateDataKey*",
    );
    if (props.email !== undefined) this.topic.addSubscription(new EmailSubscription(props.email));
  }
}
