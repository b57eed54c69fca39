import { strict as assert } from "assert";
import { assertBareEndpoint, awsS3EndpointRegion } from "../components/externalObjectStore";

describe("external object store", () => {
    it("knows the region of AWS S3 endpoints, and of nothing else", () => {
        const cases: [string, string | undefined][] = [
            ["s3.eu-west-1.amazonaws.com", "eu-west-1"],
            ["s3-eu-west-1.amazonaws.com", "eu-west-1"],
            ["s3.dualstack.ap-southeast-2.amazonaws.com", "ap-southeast-2"],
            ["s3-fips.us-gov-west-1.amazonaws.com", "us-gov-west-1"],
            ["s3.cn-north-1.amazonaws.com.cn", "cn-north-1"],
            ["s3.eu-central-1.amazonaws.com:443", "eu-central-1"],
            ["s3.amazonaws.com", undefined],
            ["storage.googleapis.com", undefined],
            ["rgw.storage.example.com:8443", undefined],
            ["s3.eu-west-1.amazonaws.com.example.com", undefined],
        ];
        for (const [endpoint, region] of cases) assert.equal(awsS3EndpointRegion(endpoint), region, endpoint);
    });

    it("refuses an endpoint with a scheme or path even when the component is used directly", () => {
        assert.throws(() => assertBareEndpoint("https://s3.eu-west-1.amazonaws.com"), /host or host:port, without a scheme or path .* got "https:\/\/s3\.eu-west-1\.amazonaws\.com"/);
        assert.throws(() => assertBareEndpoint("minio.example.com:9000/s3"), /without a scheme or path/);
        assert.equal(assertBareEndpoint("ceph.example.com:8443"), "ceph.example.com:8443");
    });
});
