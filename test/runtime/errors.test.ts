import { describe, expect, it } from "vitest";
import {
  BatonRuntimeError,
  CircuitOpenError,
  ClientError,
  NoHealthyInstanceError,
  ServiceError,
  TimeoutError,
  UnknownServiceError,
  ValidationError,
} from "../../lib/runtime/errors.ts";

describe("runtime errors", () => {
  it("carry the catalogue name and retryable flag of each class", () => {
    // Prepare
    const errors = [
      new ServiceError("x"),
      new TimeoutError("x"),
      new CircuitOpenError("x"),
      new NoHealthyInstanceError("x"),
      new ClientError("x"),
      new UnknownServiceError("x"),
    ];

    // Act
    const described = errors.map((error) => [
      error.name,
      error.retryable,
      error instanceof BatonRuntimeError,
    ]);

    // Assess
    expect(described).toEqual([
      ["Baton.ServiceError", true, true],
      ["Baton.Timeout", true, true],
      ["Baton.CircuitOpen", true, true],
      ["Baton.NoHealthyInstance", true, true],
      ["Baton.ClientError", false, true],
      ["Baton.UnknownService", false, true],
    ]);
  });

  it("serialise a ServiceCallFailure as the message, for the ASL Cause", () => {
    // Prepare
    const cause = new Error("socket hang up");

    // Act
    const error = new ServiceError("HTTP 503", {
      step: "charge",
      status: 503,
      instance: "pay-a",
      cause,
    });

    // Assess
    expect([JSON.parse(error.message), error.reason, error.cause]).toEqual([
      { message: "HTTP 503", step: "charge", status: 503, instance: "pay-a" },
      "HTTP 503",
      cause,
    ]);
  });

  it("omit status and instance from the Cause when unknown", () => {
    expect(
      JSON.parse(new UnknownServiceError("no such service", { step: "ship" }).message),
    ).toEqual({
      message: "no such service",
      step: "ship",
    });
  });

  it("attribute an error to a step and instance without losing its name", () => {
    // Act
    const error = new ClientError("Secret x is not set.").withContext({
      step: "reserve",
      instance: "inv-a",
    });

    // Assess
    expect([error.name, error.failure]).toEqual([
      "Baton.ClientError",
      { message: "Secret x is not set.", step: "reserve", instance: "inv-a" },
    ]);
  });

  it("summarise validation errors in the message and keep them all", () => {
    // Act
    const error = new ValidationError([
      { path: "/name", message: "is required" },
      { path: "/timeout", message: "must be a whole number" },
    ]);

    // Assess
    expect([error.name, error.message, error.errors.length]).toEqual([
      "ValidationError",
      "/name: is required (and 1 more)",
      2,
    ]);
  });
});
