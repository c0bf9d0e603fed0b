// The MonteCarloPipeline component: a Monte Carlo loan-default simulation on AWS Step Functions and Fargate Spot.
package montecarlo
